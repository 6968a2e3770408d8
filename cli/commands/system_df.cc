// berth system df [-v]: disk usage as docker shows it.

#include <cstdio>
#include <ctime>
#include <map>

#include "absl/strings/str_format.h"
#include "berth/images/v1/images.grpc.pb.h"
#include "berth/snapshots/v1/snapshots.grpc.pb.h"
#include "berth/tasks/v1/tasks.grpc.pb.h"
#include "cli/commands/commands.h"
#include "cli/commands/container_format.h"
#include "cli/output.h"

namespace berth::cli {
namespace {

std::string Reclaimable(int64_t reclaimable, int64_t total) {
  std::string text = HumanSize(static_cast<double>(reclaimable));
  if (total > 0) absl::StrAppend(&text, absl::StrFormat(" (%d%%)", static_cast<int>(100 * reclaimable / total)));
  return text;
}

std::string Size(int64_t bytes) { return HumanSize(static_cast<double>(bytes)); }

// What the services report, gathered once for both layouts.
struct Usage {
  berth::images::v1::DiskUsageResponse images;
  berth::snapshots::v1::ListVolumesResponse volumes;
  berth::tasks::v1::ListContainersResponse containers;
  // Writable layer of each container, by id.
  std::map<std::string, int64_t> container_size;
};

int Gather(Cli& cli, Usage* usage) {
  std::shared_ptr<grpc::Channel> channel = cli.Channel();
  if (channel == nullptr) return cli.exit_code;
  auto failed = [&](const grpc::Status& status) {
    return ReportCallError(status, cli.connection.host, channel.get());
  };
  {
    auto context = Cli::CallContext();
    grpc::Status status =
        berth::images::v1::Images::NewStub(channel)->DiskUsage(context.get(), {}, &usage->images);
    if (!status.ok()) return failed(status);
  }
  {
    berth::snapshots::v1::ListVolumesRequest request;
    request.set_include_size(true);
    auto context = Cli::CallContext();
    grpc::Status status =
        berth::snapshots::v1::Volumes::NewStub(channel)->List(context.get(), request, &usage->volumes);
    if (!status.ok()) return failed(status);
  }
  {
    berth::tasks::v1::ListContainersRequest request;
    request.set_all(true);
    auto context = Cli::CallContext();
    grpc::Status status =
        berth::tasks::v1::Containers::NewStub(channel)->List(context.get(), request, &usage->containers);
    if (!status.ok()) return failed(status);
  }
  auto snapshots = berth::snapshots::v1::Snapshots::NewStub(channel);
  for (const auto& container : usage->containers.containers()) {
    int64_t& size = usage->container_size[container.id()];
    if (container.snapshot_key().empty()) continue;
    berth::snapshots::v1::UsageRequest request;
    request.set_key(container.snapshot_key());
    berth::snapshots::v1::UsageResponse response;
    auto context = Cli::CallContext();
    if (snapshots->Usage(context.get(), request, &response).ok()) size = response.size();
  }
  return 0;
}

// docker counts running, paused and restarting containers as active.
bool Active(const berth::tasks::v1::Container& container) {
  auto status = container.state().status();
  return status == berth::tasks::v1::RUNNING || status == berth::tasks::v1::PAUSED ||
         status == berth::tasks::v1::RESTARTING;
}

int Summary(const Usage& usage, const std::string& format) {
  int64_t volume_size = 0, volume_reclaimable = 0, volumes_active = 0;
  for (const auto& volume : usage.volumes.volumes()) {
    volume_size += volume.size();
    if (volume.used_by_size() > 0) {
      ++volumes_active;
    } else {
      volume_reclaimable += volume.size();
    }
  }
  int64_t containers_active = 0, container_size = 0, container_reclaimable = 0;
  for (const auto& container : usage.containers.containers()) {
    int64_t size = usage.container_size.at(container.id());
    container_size += size;
    if (Active(container)) {
      ++containers_active;
    } else {
      container_reclaimable += size;
    }
  }
  struct Row {
    const char* type;
    int64_t total, active, size, reclaimable;
  };
  Row rows[] = {{"Images", usage.images.images_size(), usage.images.active(), usage.images.total_size(),
                 usage.images.reclaimable()},
                {"Containers", usage.containers.containers_size(), containers_active, container_size,
                 container_reclaimable},
                {"Local Volumes", usage.volumes.volumes_size(), volumes_active, volume_size, volume_reclaimable},
                {"Build Cache", 0, 0, 0, 0}};
  if (!format.empty()) {
    for (const Row& row : rows) {
      nlohmann::json json = {{"Type", row.type},
                             {"TotalCount", std::to_string(row.total)},
                             {"Active", std::to_string(row.active)},
                             {"Size", Size(row.size)},
                             {"Reclaimable", Reclaimable(row.reclaimable, row.size)}};
      if (!PrintFormatted(format, json)) return kExitUsage;
    }
    return 0;
  }
  std::vector<std::vector<std::string>> table = {{"TYPE", "TOTAL", "ACTIVE", "SIZE", "RECLAIMABLE"}};
  for (const Row& row : rows) {
    table.push_back({row.type, std::to_string(row.total), std::to_string(row.active), Size(row.size),
                     Reclaimable(row.reclaimable, row.size)});
  }
  std::printf("%s", FormatTable(table).c_str());
  return 0;
}

// The rows of `system df -v`, as docker's formatter names their fields.
nlohmann::json VerboseJson(const Usage& usage) {
  int64_t now = std::time(nullptr);
  nlohmann::json images = nlohmann::json::array();
  for (const auto& image : usage.images.images()) {
    std::string repository = "<none>", tag = "<none>";
    if (image.repo_tags_size() > 0) {  // docker shows the first tag only.
      const std::string& first = image.repo_tags(0);
      size_t colon = first.rfind(':');
      repository = first.substr(0, colon);
      tag = first.substr(colon + 1);
    }
    std::string id = image.id().substr(image.id().find(':') + 1, 12);
    images.push_back({{"Repository", repository},
                      {"Tag", tag},
                      {"ID", id},
                      {"CreatedSince", HumanDuration(now - image.created().seconds()) + " ago"},
                      {"Size", Size(image.size())},
                      {"SharedSize", Size(image.shared_size())},
                      {"UniqueSize", Size(image.size() - image.shared_size())},
                      {"Containers", std::to_string(image.containers())}});
  }
  nlohmann::json containers = nlohmann::json::array();
  for (const auto& container : usage.containers.containers()) {
    containers.push_back(
        PsRowJson(container, now, /*no_trunc=*/false, Size(usage.container_size.at(container.id()))));
  }
  nlohmann::json volumes = nlohmann::json::array();
  for (const auto& volume : usage.volumes.volumes()) {
    volumes.push_back({{"Name", volume.name()},
                       {"Links", std::to_string(volume.used_by_size())},
                       {"Size", Size(volume.size())}});
  }
  return {{"Images", images}, {"Containers", containers}, {"Volumes", volumes},
          {"BuildCache", nlohmann::json::array()}};
}

void PrintSection(const std::vector<std::string>& header, const std::vector<std::string>& fields,
                  const nlohmann::json& rows) {
  std::vector<std::vector<std::string>> table = {header};
  for (const auto& row : rows) {
    std::vector<std::string> cells;
    for (const std::string& field : fields) cells.push_back(row[field].get<std::string>());
    table.push_back(cells);
  }
  std::printf("%s", FormatTable(table).c_str());
}

int Verbose(const Usage& usage, const std::string& format) {
  nlohmann::json json = VerboseJson(usage);
  if (!format.empty()) {
    auto rendered = RenderFormat(format, json);
    if (!rendered.ok()) {
      std::fprintf(stderr, "%s\n", std::string(rendered.status().message()).c_str());
      return kExitUsage;
    }
    std::printf("%s\n", rendered->c_str());
    return 0;
  }
  std::printf("Images space usage:\n\n");
  PrintSection({"REPOSITORY", "TAG", "IMAGE ID", "CREATED", "SIZE", "SHARED SIZE", "UNIQUE SIZE", "CONTAINERS"},
               {"Repository", "Tag", "ID", "CreatedSince", "Size", "SharedSize", "UniqueSize", "Containers"},
               json["Images"]);
  std::printf("\nContainers space usage:\n\n");
  PrintSection({"CONTAINER ID", "IMAGE", "COMMAND", "LOCAL VOLUMES", "SIZE", "CREATED", "STATUS", "NAMES"},
               {"ID", "Image", "Command", "LocalVolumes", "Size", "RunningFor", "Status", "Names"},
               json["Containers"]);
  std::printf("\nLocal Volumes space usage:\n\n");
  PrintSection({"VOLUME NAME", "LINKS", "SIZE"}, {"Name", "Links", "Size"}, json["Volumes"]);
  std::printf("\nBuild cache usage: 0B\n\n");
  PrintSection({"CACHE ID", "CACHE TYPE", "SIZE", "CREATED", "LAST USED", "USAGE", "SHARED"}, {},
               json["BuildCache"]);
  return 0;
}

int SystemDf(Cli& cli, const std::string& format, bool verbose) {
  Usage usage;
  if (int rc = Gather(cli, &usage)) return rc;
  return verbose ? Verbose(usage, format) : Summary(usage, format);
}

}  // namespace

void AddSystemDfCommand(CLI::App* system, Cli& cli) {
  auto format = std::make_shared<std::string>();
  auto verbose = std::make_shared<bool>(false);
  CLI::App* df = system->add_subcommand("df", "Show berth disk usage");
  df->add_option("--format", *format, "Format output using a template or 'json'");
  df->add_flag("-v,--verbose", *verbose, "Show detailed information on space usage");
  df->callback([&cli, format, verbose] { cli.exit_code = SystemDf(cli, *format, *verbose); });
}

}  // namespace berth::cli
