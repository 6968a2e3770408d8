// berth system df: disk usage as docker shows it.

#include <cstdio>

#include "absl/strings/str_format.h"
#include "berth/images/v1/images.grpc.pb.h"
#include "berth/snapshots/v1/snapshots.grpc.pb.h"
#include "berth/tasks/v1/tasks.grpc.pb.h"
#include "cli/commands/commands.h"
#include "cli/output.h"

namespace berth::cli {
namespace {

std::string Reclaimable(int64_t reclaimable, int64_t total) {
  std::string text = HumanSize(static_cast<double>(reclaimable));
  if (total > 0) absl::StrAppend(&text, absl::StrFormat(" (%d%%)", static_cast<int>(100 * reclaimable / total)));
  return text;
}

int SystemDf(Cli& cli, const std::string& format) {
  std::shared_ptr<grpc::Channel> channel = cli.Channel();
  if (channel == nullptr) return cli.exit_code;
  berth::images::v1::DiskUsageResponse images;
  {
    auto context = Cli::CallContext();
    grpc::Status status = berth::images::v1::Images::NewStub(channel)->DiskUsage(context.get(), {}, &images);
    if (!status.ok()) return ReportCallError(status, cli.connection.host, channel.get());
  }
  berth::snapshots::v1::ListVolumesResponse volumes;
  {
    berth::snapshots::v1::ListVolumesRequest request;
    request.set_include_size(true);
    auto context = Cli::CallContext();
    grpc::Status status = berth::snapshots::v1::Volumes::NewStub(channel)->List(context.get(), request, &volumes);
    if (!status.ok()) return ReportCallError(status, cli.connection.host, channel.get());
  }
  berth::tasks::v1::ListContainersResponse containers;
  {
    berth::tasks::v1::ListContainersRequest request;
    request.set_all(true);
    auto context = Cli::CallContext();
    grpc::Status status = berth::tasks::v1::Containers::NewStub(channel)->List(context.get(), request, &containers);
    if (!status.ok()) return ReportCallError(status, cli.connection.host, channel.get());
  }
  int64_t volume_size = 0, volume_reclaimable = 0, volumes_active = 0;
  for (const auto& volume : volumes.volumes()) {
    volume_size += volume.size();
    if (volume.used_by_size() > 0) {
      ++volumes_active;
    } else {
      volume_reclaimable += volume.size();
    }
  }
  struct Row {
    const char* type;
    int64_t total, active, size, reclaimable;
  };
  Row rows[] = {{"Images", images.images_size(), 0, images.total_size(), images.reclaimable()},
                {"Containers", containers.containers_size(), 0, 0, 0},
                {"Local Volumes", volumes.volumes_size(), volumes_active, volume_size, volume_reclaimable},
                {"Build Cache", 0, 0, 0, 0}};
  if (!format.empty()) {
    for (const Row& row : rows) {
      nlohmann::json json = {{"Type", row.type},
                             {"TotalCount", std::to_string(row.total)},
                             {"Active", std::to_string(row.active)},
                             {"Size", HumanSize(static_cast<double>(row.size))},
                             {"Reclaimable", Reclaimable(row.reclaimable, row.size)}};
      if (!PrintFormatted(format, json)) return kExitUsage;
    }
    return 0;
  }
  std::vector<std::vector<std::string>> table = {{"TYPE", "TOTAL", "ACTIVE", "SIZE", "RECLAIMABLE"}};
  for (const Row& row : rows) {
    table.push_back({row.type, std::to_string(row.total), std::to_string(row.active),
                     HumanSize(static_cast<double>(row.size)), Reclaimable(row.reclaimable, row.size)});
  }
  std::printf("%s", FormatTable(table).c_str());
  return 0;
}

}  // namespace

void AddSystemDfCommand(CLI::App& app, Cli& cli) {
  CLI::App* system = app.add_subcommand("system", "Manage berth");
  system->require_subcommand(1);
  auto format = std::make_shared<std::string>();
  CLI::App* df = system->add_subcommand("df", "Show berth disk usage");
  df->add_option("--format", *format, "Format output using a template or 'json'");
  df->callback([&cli, format] { cli.exit_code = SystemDf(cli, *format); });
}

}  // namespace berth::cli
