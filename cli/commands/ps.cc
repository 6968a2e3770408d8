// berth ps, berth container ls: as docker's.

#include <algorithm>
#include <cstdio>
#include <ctime>
#include <memory>
#include <string>
#include <vector>

#include "berth/images/v1/images.grpc.pb.h"
#include "berth/snapshots/v1/snapshots.grpc.pb.h"
#include "cli/commands/container_commands.h"
#include "cli/commands/container_common.h"
#include "cli/commands/container_format.h"
#include "cli/output.h"

namespace berth::cli {
namespace {

using berth::tasks::v1::Container;

struct PsFlags {
  bool all = false, quiet = false, latest = false, no_trunc = false, size = false;
  int last = -1;
  std::vector<std::string> filters;
  std::string format;
};

// docker's SIZE: the writable layer, and with the image "(virtual ...)".
std::string SizeText(Cli& cli, const Container& container) {
  auto channel = cli.Channel();
  int64_t rw = 0, image_size = 0;
  if (!container.snapshot_key().empty()) {
    auto snapshots = berth::snapshots::v1::Snapshots::NewStub(channel);
    berth::snapshots::v1::UsageRequest request;
    request.set_key(container.snapshot_key());
    berth::snapshots::v1::UsageResponse usage;
    auto context = Cli::CallContext();
    if (snapshots->Usage(context.get(), request, &usage).ok()) rw = usage.size();
  }
  if (!container.image_id().empty()) {
    auto images = berth::images::v1::Images::NewStub(channel);
    berth::images::v1::GetImageRequest request;
    request.set_ref(container.image_id());
    berth::images::v1::ImageDetail image;
    auto context = Cli::CallContext();
    if (images->Get(context.get(), request, &image).ok()) image_size = image.size();
  }
  return HumanSize(static_cast<double>(rw)) + " (virtual " + HumanSize(static_cast<double>(rw + image_size)) + ")";
}

int Ps(Cli& cli, const PsFlags& flags, const std::string& command) {
  berth::tasks::v1::ListContainersRequest request;
  int limit = flags.latest ? 1 : flags.last;
  request.set_all(flags.all || limit > 0);
  if (limit > 0) request.set_limit(limit);
  if (!AddFilters(command, flags.filters, request.mutable_filters())) return kExitUsage;
  auto stub = ContainersStub(cli);
  if (!stub) return cli.exit_code;
  berth::tasks::v1::ListContainersResponse response;
  auto context = Cli::CallContext();
  grpc::Status status = stub->List(context.get(), request, &response);
  if (!status.ok()) return ReportCallError(status, cli.connection.host, cli.Channel().get());
  std::vector<Container> containers(response.containers().begin(), response.containers().end());
  // Newest first, as docker lists them.
  std::stable_sort(containers.begin(), containers.end(), [](const Container& a, const Container& b) {
    if (a.created_at().seconds() != b.created_at().seconds()) return a.created_at().seconds() > b.created_at().seconds();
    return a.created_at().nanos() > b.created_at().nanos();
  });
  if (limit > 0 && containers.size() > static_cast<size_t>(limit)) containers.resize(static_cast<size_t>(limit));
  if (flags.quiet) {
    for (const Container& container : containers) {
      std::printf("%s\n", flags.no_trunc ? container.id().c_str() : ShortContainerId(container.id()).c_str());
    }
    return 0;
  }
  int64_t now = std::time(nullptr);
  std::vector<nlohmann::json> rows;
  for (const Container& container : containers) {
    rows.push_back(PsRowJson(container, now, flags.no_trunc, flags.size ? SizeText(cli, container) : "0B"));
  }
  nlohmann::json header = {{"Command", "COMMAND"},        {"CreatedAt", "CREATED AT"}, {"ID", "CONTAINER ID"},
                           {"Image", "IMAGE"},            {"Labels", "LABELS"},        {"LocalVolumes", "LOCAL VOLUMES"},
                           {"Mounts", "MOUNTS"},          {"Names", "NAMES"},          {"Networks", "NETWORKS"},
                           {"Ports", "PORTS"},            {"RunningFor", "CREATED"},   {"Size", "SIZE"},
                           {"State", "STATE"},            {"Status", "STATUS"}};
  std::string table = "table {{.ID}}\t{{.Image}}\t{{.Command}}\t{{.RunningFor}}\t{{.Status}}\t{{.Ports}}\t{{.Names}}";
  if (flags.size) table += "\t{{.Size}}";
  return PrintRows(flags.format, table, header, rows);
}

}  // namespace

CLI::App* AddPsCommand(CLI::App* parent, Cli& cli, const std::string& name, const std::string& prefix) {
  auto flags = std::make_shared<PsFlags>();
  CLI::App* ps = parent->add_subcommand(name, "List containers");
  ps->add_flag("-a,--all", flags->all, "Show all containers (default shows just running)");
  ps->add_flag("-q,--quiet", flags->quiet, "Only display container IDs");
  ps->add_option("-n,--last", flags->last, "Show n last created containers (includes all states)");
  ps->add_flag("-l,--latest", flags->latest, "Show the latest created container (includes all states)");
  ps->add_flag("--no-trunc", flags->no_trunc, "Don't truncate output");
  ps->add_flag("-s,--size", flags->size, "Display total file sizes");
  ps->add_option("-f,--filter", flags->filters, "Filter output based on conditions provided")
      ->allow_extra_args(false);
  ps->add_option("--format", flags->format, "Format output using a custom template or 'json'");
  std::string command = prefix + " " + name;
  ps->callback([&cli, flags, command] { cli.exit_code = Ps(cli, *flags, command); });
  return ps;
}

}  // namespace berth::cli
