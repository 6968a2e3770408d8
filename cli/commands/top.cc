// berth top CONTAINER [ps OPTIONS]: as docker's.

#include <algorithm>
#include <cstdio>
#include <string>
#include <vector>

#include "absl/strings/match.h"
#include "cli/commands/container_commands.h"
#include "cli/commands/container_common.h"
#include "cli/output.h"

namespace berth::cli {
namespace {

// docker top's tabwriter: columns at least 20 wide, padding 3; the last
// column is not padded.
std::string TopTable(const std::vector<std::vector<std::string>>& rows) {
  std::vector<size_t> widths;
  for (const auto& row : rows) {
    for (size_t i = 0; i + 1 < row.size(); ++i) {
      if (widths.size() <= i) widths.push_back(20);
      widths[i] = std::max(widths[i], row[i].size() + 3);
    }
  }
  std::string out;
  for (const auto& row : rows) {
    std::string line;
    for (size_t i = 0; i < row.size(); ++i) {
      line += row[i];
      if (i + 1 < row.size()) line.append(widths[i] - row[i].size(), ' ');
    }
    out += line + "\n";
  }
  return out;
}

int Top(Cli& cli, const std::vector<std::string>& words, const std::string& command) {
  if (int rc = CheckArgCount(command, words.size(), 1, -1)) return rc;
  if (absl::StartsWith(words[0], "-")) return UsageError(command, "unknown flag: " + words[0]);
  auto stub = TasksStub(cli);
  if (!stub) return cli.exit_code;
  berth::tasks::v1::TopRequest request;
  request.set_id(words[0]);
  for (size_t i = 1; i < words.size(); ++i) request.add_ps_args(words[i]);
  berth::tasks::v1::TopResponse response;
  auto context = Cli::CallContext();
  grpc::Status status = stub->Top(context.get(), request, &response);
  if (!status.ok()) return ReportCallError(status, cli.connection.host, cli.Channel().get());
  std::vector<std::vector<std::string>> rows;
  rows.emplace_back(response.titles().begin(), response.titles().end());
  for (const auto& process : response.processes()) rows.emplace_back(process.fields().begin(), process.fields().end());
  std::printf("%s", TopTable(rows).c_str());
  return 0;
}

}  // namespace

void AddTopCommand(CLI::App* parent, Cli& cli, const std::string& prefix) {
  CLI::App* top = parent->add_subcommand("top", "Display the running processes of a container");
  // CONTAINER [ps OPTIONS]: everything after CONTAINER is for ps.
  top->fallthrough(false);
  top->prefix_command();
  top->allow_extras();
  std::string command = prefix + " top";
  top->callback([&cli, top, command] { cli.exit_code = Top(cli, top->remaining(), command); });
}

}  // namespace berth::cli
