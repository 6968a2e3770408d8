// berth exec and berth attach: as docker's.

#include <unistd.h>

#include <cstdio>
#include <memory>
#include <string>
#include <vector>

#include "absl/strings/str_cat.h"
#include "cli/commands/attach.h"
#include "cli/commands/container_commands.h"
#include "cli/commands/container_common.h"
#include "cli/commands/container_spec.h"
#include "cli/commands/exec_flags.h"
#include "cli/completion.h"
#include "cli/output.h"

namespace berth::cli {
namespace {

constexpr const char* kExecHelp = R"(
Usage:  berth exec [OPTIONS] CONTAINER COMMAND [ARG...]

Execute a command in a running container

Options:
  -d, --detach               Detached mode: run command in the background
      --detach-keys string   Override the key sequence for detaching a container
  -e, --env list             Set environment variables
      --env-file list        Read in a file of environment variables
  -i, --interactive          Keep STDIN open even if not attached
      --privileged           Give extended privileges to the command
  -t, --tty                  Allocate a pseudo-TTY
  -u, --user string          Username or UID (format: "<name|uid>[:<group|gid>]")
  -w, --workdir string       Working directory inside the container
)";

// The environment of -e and --env-file, files first, as docker reads them.
bool ExecEnvironment(const ExecFlags& flags, const std::string& command,
                     google::protobuf::RepeatedPtrField<std::string>* env) {
  SpecSources sources = SystemSpecSources();
  for (const std::string& path : flags.env_files) {
    auto content = sources.read_file(path);
    auto lines = content.ok() ? ParseEnvFile(*content, sources.lookup_env)
                              : absl::StatusOr<std::vector<std::string>>(content.status());
    if (!lines.ok()) {
      UsageError(command, std::string(lines.status().message()));
      return false;
    }
    for (const std::string& line : *lines) *env->Add() = line;
  }
  for (const std::string& entry : flags.env) {
    auto parsed = ParseEnvFlag(entry, sources.lookup_env);
    if (!parsed.ok()) {
      UsageError(command, std::string(parsed.status().message()));
      return false;
    }
    if (!parsed->empty()) *env->Add() = *parsed;
  }
  return true;
}

int Exec(Cli& cli, const std::vector<std::string>& words, const std::string& command) {
  ExecFlags flags;
  if (auto error = ParseExecArgs(words, &flags)) return UsageError(command, *error);
  if (flags.help) {
    std::printf("%s", kExecHelp);
    return 0;
  }
  if (int rc = CheckArgCount(command, flags.args.size(), 2, -1)) return rc;
  if (flags.tty && flags.interactive && !flags.detach && !::isatty(STDIN_FILENO)) {
    std::fprintf(stderr, "the input device is not a TTY\n");
    return kExitDaemonError;
  }
  auto stub = TasksStub(cli);
  if (!stub) return cli.exit_code;
  berth::tasks::v1::CreateExecRequest request;
  request.set_id(flags.args[0]);
  auto* process = request.mutable_process();
  for (size_t i = 1; i < flags.args.size(); ++i) process->add_args(flags.args[i]);
  if (!ExecEnvironment(flags, command, process->mutable_env())) return kExitUsage;
  process->set_working_dir(flags.workdir);
  process->set_user(flags.user);
  process->set_tty(flags.tty);
  process->set_attach_stdin(flags.interactive && !flags.detach);
  process->set_attach_stdout(!flags.detach);
  process->set_attach_stderr(!flags.detach);
  process->set_privileged(flags.privileged);
  process->set_detach_keys(flags.detach_keys);
  berth::tasks::v1::CreateExecResponse created;
  {
    auto context = Cli::CallContext();
    grpc::Status status = stub->CreateExec(context.get(), request, &created);
    if (!status.ok()) {
      return ReportCallError(status, cli.connection.host, cli.Channel().get(), kExitDaemonError);
    }
  }
  if (flags.detach) {
    berth::tasks::v1::StartRequest start;
    start.set_id(flags.args[0]);
    start.set_exec_id(created.exec_id());
    berth::tasks::v1::StartResponse started;
    auto context = Cli::CallContext();
    grpc::Status status = stub->Start(context.get(), start, &started);
    if (!status.ok()) {
      return ReportCallError(status, cli.connection.host, cli.Channel().get(), kExitDaemonError);
    }
    return 0;
  }
  AttachOptions options;
  options.id = flags.args[0];
  options.exec_id = created.exec_id();
  options.stdin = flags.interactive;
  options.tty = flags.tty;
  options.start = true;
  // docker exec does not proxy signals: they are the CLI's own.
  options.sig_proxy = false;
  options.detach_keys = flags.detach_keys;
  AttachResult result = AttachContainer(cli, options);
  if (result.exited) return result.exit_code;
  if (result.detached) return 0;
  const std::string message = result.status.error_message();
  int code = StartErrorExitCode(message);
  if (code != kExitUsage) {
    // The runtime's words, as docker prints them.
    std::fprintf(stderr,
                 "OCI runtime exec failed: exec failed: unable to start container process: %s: "
                 "unknown\n",
                 message.c_str());
    return code;
  }
  if (result.status.error_code() == grpc::StatusCode::CANCELLED) return kExitDaemonError;
  return ReportCallError(result.status, cli.connection.host, cli.Channel().get(), kExitDaemonError);
}

struct AttachFlags {
  std::string name, detach_keys;
  bool no_stdin = false;
  bool sig_proxy = true;
};

int Attach(Cli& cli, const AttachFlags& flags) {
  if (!cli.Channel()) return cli.exit_code;
  berth::tasks::v1::Container container;
  grpc::Status status = GetContainer(cli, flags.name, &container);
  if (!status.ok()) {
    return ReportCallError(status, cli.connection.host, cli.Channel().get(), kExitDaemonError);
  }
  AttachOptions options;
  options.id = container.id();
  options.stdin = !flags.no_stdin && container.spec().open_stdin();
  options.tty = container.spec().tty();
  options.sig_proxy = flags.sig_proxy;
  options.detach_keys = flags.detach_keys;
  if (options.tty && options.stdin && !::isatty(STDIN_FILENO)) {
    std::fprintf(stderr, "the input device is not a TTY\n");
    return kExitDaemonError;
  }
  AttachResult result = AttachContainer(cli, options);
  if (result.exited) return result.exit_code;
  if (result.detached) return 0;
  if (result.status.error_code() == grpc::StatusCode::CANCELLED) return kExitDaemonError;
  return ReportCallError(result.status, cli.connection.host, cli.Channel().get(), kExitDaemonError);
}

}  // namespace

void AddExecCommands(CLI::App* parent, Cli& cli, const std::string& prefix) {
  CLI::App* exec = parent->add_subcommand("exec", "Execute a command in a running container");
  // Flags are docker's, parsed by ParseExecArgs: the command's own flags
  // follow CONTAINER.
  exec->set_help_flag();
  exec->fallthrough(false);
  exec->prefix_command();
  exec->allow_extras();
  DescribeRawCommand(exec, kExecHelp, NameKind::kContainers);
  std::string exec_name = prefix + " exec";
  exec->callback([&cli, exec, exec_name] { cli.exit_code = Exec(cli, exec->remaining(), exec_name); });

  auto flags = std::make_shared<AttachFlags>();
  CLI::App* attach = parent->add_subcommand(
      "attach", "Attach local standard input, output, and error streams to a running container");
  attach->add_option("container", flags->name)->required();
  attach->add_option("--detach-keys", flags->detach_keys,
                     "Override the key sequence for detaching a container");
  attach->add_flag("--no-stdin", flags->no_stdin, "Do not attach STDIN");
  attach->add_flag("--sig-proxy", flags->sig_proxy, "Proxy all received signals to the process");
  attach->callback([&cli, flags] { cli.exit_code = Attach(cli, *flags); });
}

}  // namespace berth::cli
