#include "cli/commands/prune.h"

#include <algorithm>
#include <cstdio>
#include <string>
#include <utility>
#include <vector>

#include "absl/strings/str_cat.h"
#include "berth/images/v1/images.grpc.pb.h"
#include "berth/network/v1/network.grpc.pb.h"
#include "berth/snapshots/v1/snapshots.grpc.pb.h"
#include "berth/tasks/v1/tasks.grpc.pb.h"
#include "cli/commands/container_common.h"
#include "cli/commands/container_parse.h"
#include "cli/output.h"

namespace berth::cli {
namespace {

using Filters = std::vector<std::pair<std::string, std::string>>;

// What one prune removed: docker's "Deleted Containers:\n<id>\n" (empty when
// nothing went) and the bytes freed.
struct Report {
  std::string output;
  int64_t reclaimed = 0;
};

struct PruneFlags {
  bool all = false, force = false, volumes = false;
  std::vector<std::string> filters;
};

// --filter name=value, with pflag's error for `command` on a bad one.
bool ParseFilters(const std::string& command, const std::vector<std::string>& values, Filters* out) {
  for (const std::string& value : values) {
    auto parsed = ParseFilter(value);
    if (!parsed.ok()) {
      UsageError(command, absl::StrCat("invalid argument \"", value, "\" for \"--filter\" flag: ",
                                       parsed.status().message()));
      return false;
    }
    out->push_back(*parsed);
  }
  return true;
}

// Each service's request has its own FilterValues message of the same shape.
template <typename Map>
void FillFilters(const Filters& filters, Map* map) {
  for (const auto& [name, value] : filters) (*map)[name].add_values(value);
}

std::string Listing(const char* title, const google::protobuf::RepeatedPtrField<std::string>& names) {
  if (names.empty()) return "";
  std::string text = absl::StrCat(title, "\n");
  for (const std::string& name : names) absl::StrAppend(&text, name, "\n");
  return text;
}

// Each returns 0 with the report filled, or the exit code after printing why.
int PruneContainers(Cli& cli, const Filters& filters, Report* report) {
  auto stub = ContainersStub(cli);
  if (!stub) return cli.exit_code;
  berth::tasks::v1::PruneContainersRequest request;
  FillFilters(filters, request.mutable_filters());
  berth::tasks::v1::PruneContainersResponse response;
  auto context = Cli::CallContext();
  grpc::Status status = stub->Prune(context.get(), request, &response);
  if (!status.ok()) return ReportCallError(status, cli.connection.host, cli.Channel().get());
  report->output = Listing("Deleted Containers:", response.deleted());
  report->reclaimed = response.space_reclaimed();
  return 0;
}

int PruneNetworks(Cli& cli, const Filters& filters, Report* report) {
  std::shared_ptr<grpc::Channel> channel = cli.Channel();
  if (channel == nullptr) return cli.exit_code;
  berth::network::v1::PruneNetworksRequest request;
  FillFilters(filters, request.mutable_filters());
  berth::network::v1::PruneNetworksResponse response;
  auto context = Cli::CallContext();
  grpc::Status status = berth::network::v1::Networks::NewStub(channel)->Prune(context.get(), request, &response);
  if (!status.ok()) return ReportCallError(status, cli.connection.host, channel.get());
  report->output = Listing("Deleted Networks:", response.deleted());
  return 0;
}

int PruneVolumes(Cli& cli, bool all, const Filters& filters, Report* report) {
  std::shared_ptr<grpc::Channel> channel = cli.Channel();
  if (channel == nullptr) return cli.exit_code;
  berth::snapshots::v1::PruneVolumesRequest request;
  request.set_all(all);
  FillFilters(filters, request.mutable_filters());
  berth::snapshots::v1::PruneVolumesResponse response;
  auto context = Cli::CallContext();
  grpc::Status status = berth::snapshots::v1::Volumes::NewStub(channel)->Prune(context.get(), request, &response);
  if (!status.ok()) return ReportCallError(status, cli.connection.host, channel.get());
  report->output = Listing("Deleted Volumes:", response.deleted());
  report->reclaimed = response.space_reclaimed();
  return 0;
}

int PruneImages(Cli& cli, bool all, const Filters& filters, Report* report) {
  std::shared_ptr<grpc::Channel> channel = cli.Channel();
  if (channel == nullptr) return cli.exit_code;
  berth::images::v1::PruneImagesRequest request;
  request.set_all(all);
  FillFilters(filters, request.mutable_filters());
  berth::images::v1::PruneImagesResponse response;
  auto context = Cli::CallContext();
  grpc::Status status = berth::images::v1::Images::NewStub(channel)->Prune(context.get(), request, &response);
  if (!status.ok()) return ReportCallError(status, cli.connection.host, channel.get());
  if (response.untagged_size() + response.deleted_size() > 0) {
    report->output = "Deleted Images:\n";
    for (const std::string& name : response.untagged()) absl::StrAppend(&report->output, "untagged: ", name, "\n");
    for (const std::string& id : response.deleted()) absl::StrAppend(&report->output, "deleted: ", id, "\n");
  }
  report->reclaimed = response.space_reclaimed();
  return 0;
}

const char* Warning(PruneKind kind, bool all) {
  switch (kind) {
    case PruneKind::kContainers:
      return "WARNING! This will remove all stopped containers.";
    case PruneKind::kImages:
      return all ? "WARNING! This will remove all images without at least one container associated to them."
                 : "WARNING! This will remove all dangling images.";
    case PruneKind::kNetworks:
      return "WARNING! This will remove all custom networks not used by at least one container.";
    case PruneKind::kVolumes:
      return all ? "WARNING! This will remove all local volumes not used by at least one container."
                 : "WARNING! This will remove anonymous local volumes not used by at least one container.";
  }
  return "";
}

int Prune(Cli& cli, PruneKind kind, const PruneFlags& flags, const std::string& command) {
  Filters filters;
  if (!ParseFilters(command, flags.filters, &filters)) return kExitUsage;
  if (!flags.force && !Confirm(Warning(kind, flags.all))) return 0;
  Report report;
  int rc = 0;
  switch (kind) {
    case PruneKind::kContainers:
      rc = PruneContainers(cli, filters, &report);
      break;
    case PruneKind::kImages:
      rc = PruneImages(cli, flags.all, filters, &report);
      break;
    case PruneKind::kNetworks:
      rc = PruneNetworks(cli, filters, &report);
      break;
    case PruneKind::kVolumes:
      rc = PruneVolumes(cli, flags.all, filters, &report);
      break;
  }
  if (rc != 0) return rc;
  if (!report.output.empty()) std::printf("%s\n", report.output.c_str());
  // docker's network prune frees no disk and prints no total.
  if (kind != PruneKind::kNetworks) {
    std::printf("Total reclaimed space: %s\n", HumanSize(static_cast<double>(report.reclaimed)).c_str());
  }
  return 0;
}

// docker's confirmation: what will go, then the filters that narrow it.
std::string SystemPruneWarning(const PruneFlags& flags, const Filters& filters) {
  std::vector<std::string> items = {"all stopped containers", "all networks not used by at least one container"};
  if (flags.volumes) items.push_back("all anonymous volumes not used by at least one container");
  items.push_back(flags.all ? "all images without at least one container associated to them"
                            : "all dangling images");
  items.push_back(flags.all ? "all build cache" : "unused build cache");
  std::string text = "WARNING! This will remove:\n";
  for (const std::string& item : items) absl::StrAppend(&text, "  - ", item, "\n");
  std::vector<std::string> shown;
  for (const auto& [name, value] : filters) {
    if (name == "label" || name == "label!" || name == "until") shown.push_back(name + "=" + value);
  }
  std::sort(shown.begin(), shown.end());
  if (!shown.empty()) {
    absl::StrAppend(&text, "\n  Items to be pruned will be filtered with:\n");
    for (const std::string& filter : shown) absl::StrAppend(&text, "  - ", filter, "\n");
  }
  return text;
}

int SystemPrune(Cli& cli, const PruneFlags& flags) {
  Filters filters;
  if (!ParseFilters("berth system prune", flags.filters, &filters)) return kExitUsage;
  bool until = std::any_of(filters.begin(), filters.end(), [](const auto& f) { return f.first == "until"; });
  if (flags.volumes && until) {
    std::fprintf(stderr, "ERROR: The \"until\" filter is not supported with \"--volumes\"\n");
    return kExitDaemonError;
  }
  if (!flags.force && !Confirm(SystemPruneWarning(flags, filters))) return 0;
  int64_t reclaimed = 0;
  auto step = [&](int rc, const Report& report) {
    if (rc == 0 && !report.output.empty()) std::printf("%s\n", report.output.c_str());
    reclaimed += report.reclaimed;
    return rc;
  };
  Report containers, networks, volumes, images;
  if (int rc = step(PruneContainers(cli, filters, &containers), containers)) return rc;
  if (int rc = step(PruneNetworks(cli, filters, &networks), networks)) return rc;
  // As docker: anonymous volumes only, even with --all.
  if (flags.volumes) {
    if (int rc = step(PruneVolumes(cli, /*all=*/false, filters, &volumes), volumes)) return rc;
  }
  if (int rc = step(PruneImages(cli, flags.all, filters, &images), images)) return rc;
  std::printf("Total reclaimed space: %s\n", HumanSize(static_cast<double>(reclaimed)).c_str());
  return 0;
}

}  // namespace

void AddPruneCommand(CLI::App* parent, Cli& cli, PruneKind kind) {
  static const char* const kDescriptions[] = {"Remove all stopped containers", "Remove unused images",
                                              "Remove all unused networks", "Remove unused local volumes"};
  static const char* const kFilterExamples[] = {"until=<timestamp>", "until=<timestamp>", "until=<timestamp>",
                                                "label=<label>"};
  auto flags = std::make_shared<PruneFlags>();
  int index = static_cast<int>(kind);
  CLI::App* prune = parent->add_subcommand("prune", kDescriptions[index]);
  if (kind == PruneKind::kImages) {
    prune->add_flag("-a,--all", flags->all, "Remove all unused images, not just dangling ones");
  } else if (kind == PruneKind::kVolumes) {
    prune->add_flag("-a,--all", flags->all, "Remove all unused volumes, not just anonymous ones");
  }
  prune->add_flag("-f,--force", flags->force, "Do not prompt for confirmation");
  prune->add_option("--filter", flags->filters,
                    absl::StrCat("Provide filter values (e.g. \"", kFilterExamples[index], "\")"))
      ->allow_extra_args(false);
  std::string command = "berth " + parent->get_name() + " prune";
  prune->callback([&cli, flags, kind, command] { cli.exit_code = Prune(cli, kind, *flags, command); });
}

void AddSystemPruneCommand(CLI::App* system, Cli& cli) {
  auto flags = std::make_shared<PruneFlags>();
  CLI::App* prune = system->add_subcommand("prune", "Remove unused data");
  prune->add_flag("-a,--all", flags->all, "Remove all unused images not just dangling ones");
  prune->add_flag("-f,--force", flags->force, "Do not prompt for confirmation");
  prune->add_flag("--volumes", flags->volumes, "Prune anonymous volumes");
  prune->add_option("--filter", flags->filters, "Provide filter values (e.g. \"label=<key>=<value>\")")
      ->allow_extra_args(false);
  prune->callback([&cli, flags] { cli.exit_code = SystemPrune(cli, *flags); });
}

}  // namespace berth::cli
