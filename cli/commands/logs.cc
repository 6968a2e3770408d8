// berth logs: as docker's, from the Tasks.Logs stream.

#include <cstdio>
#include <memory>
#include <string>
#include <vector>

#include "absl/time/clock.h"
#include "cli/commands/container_commands.h"
#include "cli/commands/container_common.h"
#include "cli/commands/container_format.h"
#include "cli/commands/container_parse.h"
#include "cli/output.h"

namespace berth::cli {
namespace {

struct LogsFlags {
  bool follow = false, timestamps = false, details = false;
  std::string tail = "all", since, until;
  std::vector<std::string> names;
};

// --tail: a number of lines, or all (-1); docker takes anything else as all.
int64_t TailLines(const std::string& tail) {
  auto lines = ParseGoInt(tail);
  return lines.ok() && *lines >= 0 ? *lines : -1;
}

int Logs(Cli& cli, const LogsFlags& flags, const std::string& command) {
  if (int rc = CheckArgCount(command, flags.names.size(), 1, 1)) return rc;
  berth::tasks::v1::LogsRequest request;
  request.set_id(flags.names[0]);
  request.set_follow(flags.follow);
  request.set_stdout(true);
  request.set_stderr(true);
  request.set_tail(TailLines(flags.tail));
  absl::Time now = absl::Now();
  auto parse_time = [now](const std::string& text, google::protobuf::Timestamp* out) {
    if (text.empty()) return true;
    auto time = ParseTimeArg(text, now);
    if (!time.ok()) {
      std::fprintf(stderr, "%s\n", std::string(time.status().message()).c_str());
      return false;
    }
    *out = *time;
    return true;
  };
  if (!parse_time(flags.since, request.mutable_since())) return kExitDaemonError;
  if (!parse_time(flags.until, request.mutable_until())) return kExitDaemonError;
  if (flags.since.empty()) request.clear_since();
  if (flags.until.empty()) request.clear_until();
  auto stub = TasksStub(cli);
  if (!stub) return cli.exit_code;
  auto context = Cli::CallContext(/*stream=*/true);
  auto reader = stub->Logs(context.get(), request);
  berth::tasks::v1::LogEntry entry;
  while (reader->Read(&entry)) {
    FILE* out = entry.stream() == "stderr" ? stderr : stdout;
    if (flags.timestamps) std::fprintf(out, "%s ", Rfc3339NanoFixed(entry.time()).c_str());
    std::fwrite(entry.line().data(), 1, entry.line().size(), out);
    if (flags.follow) std::fflush(out);
  }
  std::fflush(stdout);
  grpc::Status status = reader->Finish();
  if (!status.ok()) return ReportCallError(status, cli.connection.host, cli.Channel().get());
  return 0;
}

}  // namespace

void AddLogsCommand(CLI::App* parent, Cli& cli, const std::string& prefix) {
  auto flags = std::make_shared<LogsFlags>();
  CLI::App* logs = parent->add_subcommand("logs", "Fetch the logs of a container");
  logs->add_flag("-f,--follow", flags->follow, "Follow log output");
  logs->add_flag("-t,--timestamps", flags->timestamps, "Show timestamps");
  logs->add_flag("--details", flags->details, "Show extra details provided to logs");
  logs->add_option("-n,--tail", flags->tail, "Number of lines to show from the end of the logs (default \"all\")");
  logs->add_option("--since", flags->since,
                   "Show logs since timestamp (e.g. \"2013-01-02T13:23:37Z\") or relative (e.g. \"42m\" for 42 minutes)");
  logs->add_option("--until", flags->until,
                   "Show logs before a timestamp (e.g. \"2013-01-02T13:23:37Z\") or relative (e.g. \"42m\" for 42 minutes)");
  logs->add_option("container", flags->names, "Container");
  std::string command = prefix + " logs";
  logs->callback([&cli, flags, command] { cli.exit_code = Logs(cli, *flags, command); });
}

}  // namespace berth::cli
