// berth commit: a new image from a container's changes, as docker's.

#include <cstdio>
#include <memory>
#include <string>
#include <vector>

#include "cli/commands/container_commands.h"
#include "cli/commands/container_common.h"
#include "cli/output.h"

namespace berth::cli {
namespace {

struct CommitFlags {
  std::string author;
  std::vector<std::string> changes;
  std::string message;
  bool pause = true;
  std::vector<std::string> args;
};

int Commit(Cli& cli, const CommitFlags& flags, const std::string& command) {
  if (int rc = CheckArgCount(command, flags.args.size(), 1, 2)) return rc;
  auto stub = ContainersStub(cli);
  if (!stub) return cli.exit_code;
  berth::tasks::v1::CommitContainerRequest request;
  request.set_id(flags.args[0]);
  if (flags.args.size() == 2) request.set_ref(flags.args[1]);
  for (const std::string& change : flags.changes) request.add_changes(change);
  request.set_comment(flags.message);
  request.set_author(flags.author);
  request.set_pause(flags.pause);
  berth::tasks::v1::CommitContainerResponse response;
  // A large layer takes a while: no deadline.
  auto context = Cli::CallContext(/*stream=*/true);
  grpc::Status status = stub->Commit(context.get(), request, &response);
  if (!status.ok()) return ReportCallError(status, cli.connection.host, cli.Channel().get());
  std::printf("%s\n", response.image_id().c_str());
  return 0;
}

}  // namespace

void AddCommitCommand(CLI::App* parent, Cli& cli, const std::string& prefix) {
  auto flags = std::make_shared<CommitFlags>();
  CLI::App* command = parent->add_subcommand(
      "commit", "Create a new image from a container's changes");
  command->add_option("-a,--author", flags->author,
                      "Author (e.g., \"John Hannibal Smith <hannibal@a-team.com>\")");
  command->add_option("-c,--change", flags->changes, "Apply Dockerfile instruction to the created image")
      ->allow_extra_args(false);
  command->add_option("-m,--message", flags->message, "Commit message");
  command->add_flag("-p,--pause", flags->pause, "Pause container during commit (default true)");
  command->add_option("args", flags->args, "CONTAINER [REPOSITORY[:TAG]]");
  std::string name = prefix + " commit";
  command->callback([&cli, flags, name] { cli.exit_code = Commit(cli, *flags, name); });
}

}  // namespace berth::cli
