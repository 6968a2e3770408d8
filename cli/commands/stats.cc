// berth stats: as docker's, from the Tasks.Stats stream.

#include <cstdio>
#include <map>
#include <memory>
#include <string>
#include <vector>

#include "cli/commands/container_commands.h"
#include "cli/commands/container_common.h"
#include "cli/commands/container_format.h"
#include "cli/output.h"

namespace berth::cli {
namespace {

using berth::tasks::v1::ContainerStats;

struct StatsFlags {
  bool no_stream = false, no_trunc = false, all = false;
  std::string format;
  std::vector<std::string> names;
};

const char kTable[] =
    "table {{.ID}}\t{{.Name}}\t{{.CPUPerc}}\t{{.MemUsage}}\t{{.MemPerc}}\t{{.NetIO}}\t{{.BlockIO}}\t{{.PIDs}}";

const nlohmann::json& Header() {
  static const nlohmann::json kHeader = {
      {"BlockIO", "BLOCK I/O"}, {"CPUPerc", "CPU %"}, {"Container", "CONTAINER"},
      {"ID", "CONTAINER ID"},   {"MemPerc", "MEM %"}, {"MemUsage", "MEM USAGE / LIMIT"},
      {"Name", "NAME"},         {"NetIO", "NET I/O"}, {"PIDs", "PIDS"}};
  return kHeader;
}

// The ids to ask for: the containers given, every container with -a, or
// none (the service's running containers).
bool RequestedIds(Cli& cli, const StatsFlags& flags, berth::tasks::v1::StatsRequest* request) {
  for (const std::string& name : flags.names) request->add_ids(name);
  if (!flags.names.empty() || !flags.all) return true;
  auto containers = ContainersStub(cli);
  berth::tasks::v1::ListContainersRequest list;
  list.set_all(true);
  berth::tasks::v1::ListContainersResponse response;
  auto context = Cli::CallContext();
  grpc::Status status = containers->List(context.get(), list, &response);
  if (!status.ok()) {
    ReportCallError(status, cli.connection.host, cli.Channel().get());
    return false;
  }
  for (const auto& container : response.containers()) request->add_ids(container.id());
  return true;
}

int Stats(Cli& cli, const StatsFlags& flags) {
  auto tasks = TasksStub(cli);
  if (!tasks) return cli.exit_code;
  berth::tasks::v1::StatsRequest request;
  request.set_stream(true);
  if (!RequestedIds(cli, flags, &request)) return kExitDaemonError;
  if (flags.all && flags.names.empty() && request.ids_size() == 0) {
    return PrintRows(flags.format, kTable, Header(), {});
  }
  auto context = Cli::CallContext(/*stream=*/true);
  auto reader = tasks->Stats(context.get(), request);
  std::map<std::string, ContainerStats> previous;
  std::vector<nlohmann::json> rows;
  berth::tasks::v1::StatsResponse response;
  int frames = 0;
  while (reader->Read(&response)) {
    ++frames;
    rows.clear();
    for (int i = 0; i < response.stats_size(); ++i) {
      const ContainerStats& stats = response.stats(i);
      auto it = previous.find(stats.id());
      double cpu = CpuPercent(it == previous.end() ? nullptr : &it->second, stats);
      // docker's Container column: the name as given, else the id.
      std::string given = static_cast<int>(flags.names.size()) == response.stats_size() ? flags.names[static_cast<size_t>(i)] : "";
      rows.push_back(StatsRowJson(stats, cpu, given, flags.no_trunc));
      previous[stats.id()] = stats;
    }
    if (flags.no_stream) {
      // CPU % needs a second sample.
      if (frames >= 2) break;
      continue;
    }
    std::printf("\033[2J\033[H");
    int rc = PrintRows(flags.format, kTable, Header(), rows);
    std::fflush(stdout);
    if (rc != 0) {
      context->TryCancel();
      reader->Finish();
      return rc;
    }
  }
  bool cancelled = flags.no_stream && frames >= 2;
  if (cancelled) context->TryCancel();
  grpc::Status status = reader->Finish();
  if (!status.ok() && !cancelled) return ReportCallError(status, cli.connection.host, cli.Channel().get());
  if (flags.no_stream) return PrintRows(flags.format, kTable, Header(), rows);
  return 0;
}

}  // namespace

void AddStatsCommand(CLI::App* parent, Cli& cli) {
  auto flags = std::make_shared<StatsFlags>();
  CLI::App* stats = parent->add_subcommand("stats", "Display a live stream of container(s) resource usage statistics");
  stats->add_flag("-a,--all", flags->all, "Show all containers (default shows just running)");
  stats->add_flag("--no-stream", flags->no_stream, "Disable streaming stats and only pull the first result");
  stats->add_flag("--no-trunc", flags->no_trunc, "Do not truncate output");
  stats->add_option("--format", flags->format, "Format output using a custom template or 'json'");
  stats->add_option("containers", flags->names, "Containers");
  stats->callback([&cli, flags] { cli.exit_code = Stats(cli, *flags); });
}

}  // namespace berth::cli
