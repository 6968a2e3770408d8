// berth diff CONTAINER: what the container changed in its file system, as
// docker diff prints it ("A /path", "C /path", "D /path").

#include <cstdio>
#include <string>
#include <vector>

#include "cli/commands/container_commands.h"
#include "cli/commands/container_common.h"
#include "cli/completion.h"
#include "cli/output.h"

namespace berth::cli {
namespace {

int Diff(Cli& cli, const std::vector<std::string>& words, const std::string& command) {
  if (int rc = CheckArgCount(command, words.size(), 1, 1)) return rc;
  auto stub = ContainersStub(cli);
  if (!stub) return cli.exit_code;
  berth::tasks::v1::ContainerChangesRequest request;
  request.set_id(words[0]);
  berth::tasks::v1::ContainerChangesResponse response;
  auto context = Cli::CallContext();
  grpc::Status status = stub->Changes(context.get(), request, &response);
  if (!status.ok()) return ReportCallError(status, cli.connection.host, cli.Channel().get());
  for (const auto& change : response.changes()) {
    std::printf("%c %s\n", "CAD"[change.kind()], change.path().c_str());
  }
  return 0;
}

}  // namespace

void AddDiffCommand(CLI::App* parent, Cli& cli, const std::string& prefix) {
  CLI::App* diff =
      parent->add_subcommand("diff", "Inspect changes to files or directories on a container's filesystem");
  diff->fallthrough(false);
  diff->prefix_command();
  diff->allow_extras();
  DescribeRawCommand(diff, "", NameKind::kContainers);
  std::string command = prefix + " diff";
  diff->callback([&cli, diff, command] { cli.exit_code = Diff(cli, diff->remaining(), command); });
}

}  // namespace berth::cli
