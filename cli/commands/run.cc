// berth run, berth create: as docker's.

#include <unistd.h>

#include <cstdio>
#include <string>
#include <vector>

#include "absl/strings/match.h"
#include "absl/strings/str_cat.h"
#include "cli/commands/attach.h"
#include "cli/commands/container_commands.h"
#include "cli/commands/container_common.h"
#include "cli/commands/container_flags.h"
#include "cli/commands/container_spec.h"
#include "cli/commands/image.h"
#include "cli/completion.h"
#include "cli/output.h"

namespace berth::cli {
namespace {

using berth::tasks::v1::ContainerSpec;

int ReportFlagError(const FlagError& error, const std::string& command) {
  if (error.pflag) return UsageError(command, error.message);
  std::string message = error.message;
  if (!message.empty() && message.back() == '.') message.pop_back();
  return UsageError(command, absl::StrCat("berth: ", message, "."));
}

void PrintHelp(const std::string& command, bool run) {
  std::printf("\nUsage:  %s [OPTIONS] IMAGE [COMMAND] [ARG...]\n\n%s\n\n%s", command.c_str(),
              run ? "Create and run a new container from an image" : "Create a new container",
              ContainerFlagsHelp().c_str());
}

// Pulls the image for run/create: progress on stderr, stdout stays for the
// container id.
int PullForRun(Cli& cli, const ContainerSpec& spec, const std::string& command) {
  PullOptions options;
  if (!spec.platform().architecture().empty()) {
    options.platform = absl::StrCat(spec.platform().os(), "/", spec.platform().architecture(),
                                    spec.platform().variant().empty() ? "" : "/" + spec.platform().variant());
  }
  options.out = stderr;
  options.announce_default_tag = false;
  grpc::Status failed;
  int rc = PullImage(cli, spec.image(), options, &failed);
  if (rc != 0 && !failed.ok()) return ReportRunError(cli, failed, command, /*with_help=*/true);
  return rc == 0 ? 0 : kExitUsage;
}

int CreateContainer(Cli& cli, const ContainerFlags& flags, const ContainerSpec& spec,
                    const std::string& command, std::string* id) {
  auto stub = ContainersStub(cli);
  if (!stub) return kExitUsage;
  if (flags.pull == "always") {
    if (int rc = PullForRun(cli, spec, command)) return rc;
  }
  berth::tasks::v1::CreateContainerRequest request;
  request.set_name(flags.name);
  *request.mutable_spec() = spec;
  for (int attempt = 0;; ++attempt) {
    berth::tasks::v1::CreateContainerResponse response;
    auto context = Cli::CallContext();
    grpc::Status status = stub->Create(context.get(), request, &response);
    if (status.ok()) {
      for (const std::string& warning : response.warnings()) {
        std::fprintf(stderr, "WARNING: %s\n", warning.c_str());
      }
      *id = response.id();
      return 0;
    }
    bool missing_image = status.error_code() == grpc::StatusCode::NOT_FOUND &&
                         absl::StrContains(status.error_message(), "No such image");
    if (attempt == 0 && missing_image && flags.pull == "missing") {
      std::fprintf(stderr, "Unable to find image '%s' locally\n", FamiliarTaggedReference(spec.image()).c_str());
      if (int rc = PullForRun(cli, spec, command)) return rc;
      continue;
    }
    return ReportRunError(cli, status, command, /*with_help=*/true);
  }
}

// After an attach that ended without the exit message: the exit code as
// Wait reports it.
int WaitForExit(Cli& cli, const std::string& id, const std::string& command) {
  auto tasks = TasksStub(cli);
  if (!tasks) return kExitUsage;
  berth::tasks::v1::WaitRequest request;
  request.set_id(id);
  berth::tasks::v1::WaitResponse response;
  auto context = Cli::CallContext(/*stream=*/true);
  grpc::Status status = tasks->Wait(context.get(), request, &response);
  if (!status.ok()) return ReportRunError(cli, status, command, /*with_help=*/false);
  return response.exit_code();
}

int Run(Cli& cli, const std::vector<std::string>& words, bool run, const std::string& command) {
  ContainerFlags flags;
  if (auto error = ParseContainerArgs(words, &flags)) return ReportFlagError(*error, command);
  if (flags.help) {
    PrintHelp(command, run);
    return 0;
  }
  if (flags.args.empty()) return CheckArgCount(command, 0, 1, -1);
  ContainerSpec spec;
  if (auto error = BuildContainerSpec(flags, SystemSpecSources(), &spec)) return ReportFlagError(*error, command);
  bool attach = run && !flags.detach;
  if (attach && flags.tty && flags.interactive && !::isatty(STDIN_FILENO)) {
    std::fprintf(stderr, "the input device is not a TTY\n");
    return kExitDaemonError;
  }
  std::string id;
  if (int rc = CreateContainer(cli, flags, spec, command, &id)) return rc;
  if (!run) {
    std::printf("%s\n", id.c_str());
    return 0;
  }
  if (flags.detach) {
    auto tasks = TasksStub(cli);
    if (!tasks) return kExitUsage;
    berth::tasks::v1::StartRequest request;
    request.set_id(id);
    berth::tasks::v1::StartResponse response;
    auto context = Cli::CallContext();
    grpc::Status status = tasks->Start(context.get(), request, &response);
    if (!status.ok()) return ReportRunError(cli, status, command, /*with_help=*/false);
    std::printf("%s\n", id.c_str());
    return 0;
  }
  AttachOptions options;
  options.id = id;
  options.stdin = flags.interactive;
  options.tty = flags.tty;
  options.start = true;
  options.sig_proxy = flags.sig_proxy;
  options.detach_keys = flags.detach_keys;
  AttachResult result = AttachContainer(cli, options);
  if (result.exited) return result.exit_code;
  if (result.detached) return 0;
  // A call that ended without the exit message (cut short, or the service
  // ended it first): the exit code as Wait has it.
  if (!result.status.ok() && result.status.error_code() != grpc::StatusCode::CANCELLED) {
    return ReportRunError(cli, result.status, command, /*with_help=*/false);
  }
  return WaitForExit(cli, id, command);
}

}  // namespace

void AddRunCommands(CLI::App* parent, Cli& cli, const std::string& prefix) {
  for (bool run : {true, false}) {
    CLI::App* command = parent->add_subcommand(
        run ? "run" : "create", run ? "Create and run a new container from an image" : "Create a new container");
    // Flags are docker's, parsed by ParseContainerArgs: CLI11 hands over
    // every word after the subcommand (-h is --hostname there).
    command->set_help_flag();
    command->fallthrough(false);
    command->prefix_command();
    command->allow_extras();
    DescribeRawCommand(command, ContainerFlagsHelp(), NameKind::kImages);
    std::string name = prefix + (run ? " run" : " create");
    command->callback([&cli, command, run, name] { cli.exit_code = Run(cli, command->remaining(), run, name); });
  }
}

}  // namespace berth::cli
