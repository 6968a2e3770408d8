// berth volume create | ls | inspect | rm (and prune, prune.cc), as docker volume.

#include <unistd.h>

#include <cstdio>
#include <map>
#include <string>
#include <vector>

#include "absl/strings/str_cat.h"
#include "absl/strings/str_split.h"
#include "berth/snapshots/v1/snapshots.grpc.pb.h"
#include "cli/commands/commands.h"
#include "cli/commands/object_json.h"
#include "cli/commands/prune.h"
#include "cli/output.h"

namespace berth::cli {
namespace {

using berth::snapshots::v1::Volume;


// "key=value" pairs from --label, --opt and --filter.
bool ParsePairs(const std::vector<std::string>& items, const char* what,
                std::vector<std::pair<std::string, std::string>>* out) {
  for (const std::string& item : items) {
    size_t eq = item.find('=');
    if (eq == std::string::npos && std::string(what) == "filter") {
      std::fprintf(stderr, "invalid filter '%s'\n", item.c_str());
      return false;
    }
    out->emplace_back(item.substr(0, eq), eq == std::string::npos ? "" : item.substr(eq + 1));
  }
  return true;
}

struct VolumeFlags {
  std::string driver = "local";
  std::vector<std::string> labels, options, filters, names;
  std::string format;
  bool quiet = false, force = false;
};

std::unique_ptr<berth::snapshots::v1::Volumes::Stub> Stub(Cli& cli) {
  std::shared_ptr<grpc::Channel> channel = cli.Channel();
  return channel ? berth::snapshots::v1::Volumes::NewStub(channel) : nullptr;
}

int Create(Cli& cli, const VolumeFlags& flags) {
  if (flags.names.size() > 1) {
    std::fprintf(stderr, "\"berth volume create\" requires at most 1 argument.\n");
    return kExitUsage;
  }
  berth::snapshots::v1::CreateVolumeRequest request;
  if (!flags.names.empty()) request.set_name(flags.names[0]);
  request.set_driver(flags.driver);
  std::vector<std::pair<std::string, std::string>> labels, options;
  ParsePairs(flags.labels, "label", &labels);
  ParsePairs(flags.options, "opt", &options);
  for (const auto& [key, value] : labels) (*request.mutable_labels())[key] = value;
  for (const auto& [key, value] : options) (*request.mutable_options())[key] = value;
  auto stub = Stub(cli);
  if (!stub) return cli.exit_code;
  Volume volume;
  auto context = Cli::CallContext();
  grpc::Status status = stub->Create(context.get(), request, &volume);
  if (!status.ok()) return ReportCallError(status, cli.connection.host, cli.Channel().get());
  std::printf("%s\n", volume.name().c_str());
  return 0;
}

int List(Cli& cli, const VolumeFlags& flags) {
  berth::snapshots::v1::ListVolumesRequest request;
  std::vector<std::pair<std::string, std::string>> filters;
  if (!ParsePairs(flags.filters, "filter", &filters)) return kExitUsage;
  for (const auto& [key, value] : filters) (*request.mutable_filters())[key].add_values(value);
  auto stub = Stub(cli);
  if (!stub) return cli.exit_code;
  berth::snapshots::v1::ListVolumesResponse response;
  auto context = Cli::CallContext();
  grpc::Status status = stub->List(context.get(), request, &response);
  if (!status.ok()) return ReportCallError(status, cli.connection.host, cli.Channel().get());
  if (flags.quiet) {
    for (const Volume& volume : response.volumes()) std::printf("%s\n", volume.name().c_str());
    return 0;
  }
  if (!flags.format.empty()) {
    for (const Volume& volume : response.volumes()) {
      if (!PrintFormatted(flags.format, VolumeJson(volume))) return kExitUsage;
    }
    return 0;
  }
  std::vector<std::vector<std::string>> rows = {{"DRIVER", "VOLUME NAME"}};
  for (const Volume& volume : response.volumes()) rows.push_back({volume.driver(), volume.name()});
  std::printf("%s", FormatTable(rows).c_str());
  return 0;
}

int Inspect(Cli& cli, const VolumeFlags& flags) {
  if (flags.names.empty()) {
    std::fprintf(stderr, "\"berth volume inspect\" requires at least 1 argument.\n");
    return kExitUsage;
  }
  auto stub = Stub(cli);
  if (!stub) return cli.exit_code;
  nlohmann::json all = nlohmann::json::array();
  int rc = 0;
  for (const std::string& name : flags.names) {
    berth::snapshots::v1::GetVolumeRequest request;
    request.set_name(name);
    Volume volume;
    auto context = Cli::CallContext();
    grpc::Status status = stub->Get(context.get(), request, &volume);
    if (!status.ok()) {
      rc = ReportCallError(status, cli.connection.host, cli.Channel().get());
      continue;
    }
    all.push_back(VolumeJson(volume));
  }
  return PrintInspect(all, flags.format, rc);
}

int Remove(Cli& cli, const VolumeFlags& flags) {
  if (flags.names.empty()) {
    std::fprintf(stderr, "\"berth volume rm\" requires at least 1 argument.\n");
    return kExitUsage;
  }
  auto stub = Stub(cli);
  if (!stub) return cli.exit_code;
  int rc = 0;
  for (const std::string& name : flags.names) {
    berth::snapshots::v1::RemoveVolumeRequest request;
    request.set_name(name);
    request.set_force(flags.force);
    berth::snapshots::v1::RemoveVolumeResponse response;
    auto context = Cli::CallContext();
    grpc::Status status = stub->Remove(context.get(), request, &response);
    if (!status.ok()) {
      rc = ReportCallError(status, cli.connection.host, cli.Channel().get());
      continue;
    }
    std::printf("%s\n", name.c_str());
  }
  return rc;
}

}  // namespace

void AddVolumeCommands(CLI::App& app, Cli& cli) {
  CLI::App* volume = app.add_subcommand("volume", "Manage volumes");
  volume->require_subcommand(1);

  auto flags = std::make_shared<VolumeFlags>();
  CLI::App* create = volume->add_subcommand("create", "Create a volume");
  create->add_option("-d,--driver", flags->driver, "Specify volume driver name");
  create->add_option("--label", flags->labels, "Set metadata for a volume")
      ->allow_extra_args(false);
  create->add_option("-o,--opt", flags->options, "Set driver specific options")
      ->allow_extra_args(false);
  create->add_option("name", flags->names, "Volume name");
  create->callback([&cli, flags] { cli.exit_code = Create(cli, *flags); });

  CLI::App* ls = volume->add_subcommand("ls", "List volumes");
  ls->alias("list");
  ls->add_flag("-q,--quiet", flags->quiet, "Only display volume names");
  ls->add_option("-f,--filter", flags->filters, "Provide filter values (e.g. \"dangling=true\")")
      ->allow_extra_args(false);
  ls->add_option("--format", flags->format, "Format output using a template or 'json'");
  ls->callback([&cli, flags] { cli.exit_code = List(cli, *flags); });

  CLI::App* inspect = volume->add_subcommand("inspect", "Display detailed information on one or more volumes");
  inspect->add_option("-f,--format", flags->format, "Format output using a template");
  inspect->add_option("names", flags->names, "Volumes")->required();
  inspect->callback([&cli, flags] { cli.exit_code = Inspect(cli, *flags); });

  CLI::App* rm = volume->add_subcommand("rm", "Remove one or more volumes");
  rm->alias("remove");
  rm->add_flag("-f,--force", flags->force, "Force the removal of one or more volumes");
  rm->add_option("names", flags->names, "Volumes")->required();
  rm->callback([&cli, flags] { cli.exit_code = Remove(cli, *flags); });

  AddPruneCommand(volume, cli, PruneKind::kVolumes);
}

}  // namespace berth::cli
