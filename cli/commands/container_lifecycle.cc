// berth start | stop | kill | restart | rm | pause | unpause | wait |
// rename | update: as docker's.

#include <unistd.h>

#include <cstdio>
#include <memory>
#include <string>
#include <vector>

#include "absl/strings/str_join.h"
#include "cli/commands/attach.h"
#include "cli/commands/container_commands.h"
#include "cli/commands/container_common.h"
#include "cli/commands/container_parse.h"
#include "cli/commands/container_spec.h"
#include "cli/output.h"

namespace berth::cli {
namespace {

namespace tasks = berth::tasks::v1;

struct LifecycleFlags {
  std::vector<std::string> names;
  bool attach = false, interactive = false, force = false, volumes = false;
  int timeout = -1;
  std::string signal, detach_keys;
  ResourceFlags resources;
  std::string restart;
};

int StartAttached(Cli& cli, const LifecycleFlags& flags, const std::string& command) {
  if (flags.names.size() > 1) {
    std::fprintf(stderr, "you cannot start and attach multiple containers at once\n");
    return kExitDaemonError;
  }
  if (!cli.Channel()) return cli.exit_code;
  tasks::Container container;
  grpc::Status status = GetContainer(cli, flags.names[0], &container);
  if (!status.ok()) return ReportCallError(status, cli.connection.host, cli.Channel().get());
  AttachOptions options;
  options.id = container.id();
  options.stdin = flags.interactive && container.spec().open_stdin();
  options.tty = container.spec().tty();
  options.start = true;
  options.detach_keys = flags.detach_keys;
  if (options.tty && options.stdin && !::isatty(STDIN_FILENO)) {
    std::fprintf(stderr, "the input device is not a TTY\n");
    return kExitDaemonError;
  }
  AttachResult result = AttachContainer(cli, options);
  if (result.exited || result.detached) return result.exit_code;
  if (!result.status.ok() && result.status.error_code() != grpc::StatusCode::CANCELLED) {
    return ReportRunError(cli, result.status, command, /*with_help=*/false);
  }
  auto stub = TasksStub(cli);
  tasks::WaitRequest request;
  request.set_id(container.id());
  tasks::WaitResponse response;
  auto context = Cli::CallContext(/*stream=*/true);
  status = stub->Wait(context.get(), request, &response);
  if (!status.ok()) return ReportCallError(status, cli.connection.host, cli.Channel().get());
  return response.exit_code();
}

int Start(Cli& cli, const LifecycleFlags& flags, const std::string& command) {
  if (int rc = CheckArgCount(command, flags.names.size(), 1, -1)) return rc;
  if (flags.attach || flags.interactive) return StartAttached(cli, flags, command);
  auto stub = TasksStub(cli);
  if (!stub) return cli.exit_code;
  std::vector<std::string> failed;
  for (const std::string& name : flags.names) {
    tasks::StartRequest request;
    request.set_id(name);
    tasks::StartResponse response;
    auto context = Cli::CallContext();
    grpc::Status status = stub->Start(context.get(), request, &response);
    if (!status.ok()) {
      ReportCallError(status, cli.connection.host, cli.Channel().get());
      failed.push_back(name);
      continue;
    }
    std::printf("%s\n", name.c_str());
    std::fflush(stdout);
  }
  if (failed.empty()) return 0;
  std::fprintf(stderr, "Error: failed to start containers: %s\n", absl::StrJoin(failed, ", ").c_str());
  return kExitDaemonError;
}

// stop, kill, restart, rm, pause, unpause: one call per container.
int ForEach(Cli& cli, const LifecycleFlags& flags, const std::string& command, const std::string& verb) {
  if (int rc = CheckArgCount(command, flags.names.size(), 1, -1)) return rc;
  auto containers = ContainersStub(cli);
  auto stub = TasksStub(cli);
  if (!stub || !containers) return cli.exit_code;
  // Stopping waits up to the container's stop timeout: no call deadline.
  bool slow = verb == "stop" || verb == "restart" || verb == "rm";
  return ForEachContainer(cli, flags.names, true, [&](const std::string& name) {
    auto context = Cli::CallContext(slow);
    if (verb == "stop") {
      tasks::StopRequest request;
      request.set_id(name);
      request.set_timeout(flags.timeout);
      request.set_signal(flags.signal);
      tasks::StopResponse response;
      return stub->Stop(context.get(), request, &response);
    }
    if (verb == "restart") {
      tasks::RestartRequest request;
      request.set_id(name);
      request.set_timeout(flags.timeout);
      request.set_signal(flags.signal);
      tasks::RestartResponse response;
      return stub->Restart(context.get(), request, &response);
    }
    if (verb == "kill") {
      tasks::KillRequest request;
      request.set_id(name);
      request.set_signal(flags.signal);
      tasks::KillResponse response;
      return stub->Kill(context.get(), request, &response);
    }
    if (verb == "pause") {
      tasks::PauseRequest request;
      request.set_id(name);
      tasks::PauseResponse response;
      return stub->Pause(context.get(), request, &response);
    }
    if (verb == "unpause") {
      tasks::ResumeRequest request;
      request.set_id(name);
      tasks::ResumeResponse response;
      return stub->Resume(context.get(), request, &response);
    }
    tasks::DeleteContainerRequest request;
    request.set_id(name);
    request.set_force(flags.force);
    request.set_remove_volumes(flags.volumes);
    tasks::DeleteContainerResponse response;
    return containers->Delete(context.get(), request, &response);
  });
}

int Wait(Cli& cli, const LifecycleFlags& flags, const std::string& command) {
  if (int rc = CheckArgCount(command, flags.names.size(), 1, -1)) return rc;
  auto stub = TasksStub(cli);
  if (!stub) return cli.exit_code;
  return ForEachContainer(cli, flags.names, false, [&](const std::string& name) {
    tasks::WaitRequest request;
    request.set_id(name);
    request.set_condition("not-running");
    tasks::WaitResponse response;
    auto context = Cli::CallContext(/*stream=*/true);
    grpc::Status status = stub->Wait(context.get(), request, &response);
    if (status.ok()) std::printf("%d\n", response.exit_code());
    return status;
  });
}

int Rename(Cli& cli, const LifecycleFlags& flags, const std::string& command) {
  if (int rc = CheckArgCount(command, flags.names.size(), 2, 2)) return rc;
  if (flags.names[0].empty() || flags.names[1].empty()) {
    std::fprintf(stderr, "Error: Neither old nor new names may be empty\n");
    return kExitDaemonError;
  }
  auto stub = ContainersStub(cli);
  if (!stub) return cli.exit_code;
  tasks::RenameContainerRequest request;
  request.set_id(flags.names[0]);
  request.set_new_name(flags.names[1]);
  tasks::RenameContainerResponse response;
  auto context = Cli::CallContext();
  grpc::Status status = stub->Rename(context.get(), request, &response);
  if (!status.ok()) return ReportCallError(status, cli.connection.host, cli.Channel().get());
  return 0;
}

int Update(Cli& cli, const LifecycleFlags& flags, const std::string& command) {
  if (int rc = CheckArgCount(command, flags.names.size(), 1, -1)) return rc;
  const ResourceFlags& r = flags.resources;
  bool any = !(r.memory + r.memory_swap + r.memory_reservation + r.cpus + r.cpu_shares + r.cpuset_cpus +
               r.cpuset_mems + r.pids_limit + r.blkio_weight + flags.restart)
                  .empty();
  if (!any) {
    std::fprintf(stderr, "you must provide one or more flags when using this command\n");
    return kExitDaemonError;
  }
  tasks::UpdateContainerRequest base;
  if (auto error = BuildResources(r, base.mutable_resources())) return UsageError(command, error->message);
  // docker: 0 or -1 lifts the limit; the API's 0 means "unchanged".
  if (!r.pids_limit.empty() && base.resources().pids_limit() <= 0) base.mutable_resources()->set_pids_limit(-1);
  if (!flags.restart.empty()) {
    auto policy = ParseRestartPolicy(flags.restart);
    if (!policy.ok()) return UsageError(command, std::string(policy.status().message()));
    *base.mutable_restart_policy() = *policy;
  }
  auto stub = ContainersStub(cli);
  if (!stub) return cli.exit_code;
  return ForEachContainer(cli, flags.names, true, [&](const std::string& name) {
    tasks::UpdateContainerRequest request = base;
    request.set_id(name);
    tasks::UpdateContainerResponse response;
    auto context = Cli::CallContext();
    grpc::Status status = stub->Update(context.get(), request, &response);
    for (const std::string& warning : response.warnings()) std::fprintf(stderr, "WARNING: %s\n", warning.c_str());
    return status;
  });
}

using Handler = int (*)(Cli&, const LifecycleFlags&, const std::string&);

CLI::App* Add(CLI::App* parent, Cli& cli, const std::string& prefix, const std::string& name,
              const std::string& description, const std::shared_ptr<LifecycleFlags>& flags, Handler handler) {
  CLI::App* command = parent->add_subcommand(name, description);
  std::string full = prefix + " " + name;
  command->add_option("containers", flags->names, "Containers");
  command->callback([&cli, flags, handler, full] { cli.exit_code = handler(cli, *flags, full); });
  return command;
}

}  // namespace

void AddLifecycleCommands(CLI::App* parent, Cli& cli, const std::string& prefix) {
  auto flags = std::make_shared<LifecycleFlags>();
  CLI::App* start = Add(parent, cli, prefix, "start", "Start one or more stopped containers", flags, Start);
  start->add_flag("-a,--attach", flags->attach, "Attach STDOUT/STDERR and forward signals");
  start->add_flag("-i,--interactive", flags->interactive, "Attach container's STDIN");
  start->add_option("--detach-keys", flags->detach_keys, "Override the key sequence for detaching a container");

  CLI::App* stop = Add(parent, cli, prefix, "stop", "Stop one or more running containers", flags,
                       [](Cli& c, const LifecycleFlags& f, const std::string& n) { return ForEach(c, f, n, "stop"); });
  stop->add_option("-t,--time,--timeout", flags->timeout, "Seconds to wait before killing the container");
  stop->add_option("-s,--signal", flags->signal, "Signal to send to the container");

  CLI::App* restart = Add(parent, cli, prefix, "restart", "Restart one or more containers", flags,
                          [](Cli& c, const LifecycleFlags& f, const std::string& n) { return ForEach(c, f, n, "restart"); });
  restart->add_option("-t,--time,--timeout", flags->timeout, "Seconds to wait before killing the container");
  restart->add_option("-s,--signal", flags->signal, "Signal to send to the container");

  CLI::App* kill = Add(parent, cli, prefix, "kill", "Kill one or more running containers", flags,
                       [](Cli& c, const LifecycleFlags& f, const std::string& n) { return ForEach(c, f, n, "kill"); });
  kill->add_option("-s,--signal", flags->signal, "Signal to send to the container");

  CLI::App* rm = Add(parent, cli, prefix, "rm", "Remove one or more containers", flags,
                     [](Cli& c, const LifecycleFlags& f, const std::string& n) { return ForEach(c, f, n, "rm"); });
  if (prefix != "berth") rm->alias("remove");
  rm->add_flag("-f,--force", flags->force, "Force the removal of a running container (uses SIGKILL)");
  rm->add_flag("-v,--volumes", flags->volumes, "Remove anonymous volumes associated with the container");

  Add(parent, cli, prefix, "pause", "Pause all processes within one or more containers", flags,
      [](Cli& c, const LifecycleFlags& f, const std::string& n) { return ForEach(c, f, n, "pause"); });
  Add(parent, cli, prefix, "unpause", "Unpause all processes within one or more containers", flags,
      [](Cli& c, const LifecycleFlags& f, const std::string& n) { return ForEach(c, f, n, "unpause"); });
  Add(parent, cli, prefix, "wait", "Block until one or more containers stop, then print their exit codes", flags,
      Wait);
  Add(parent, cli, prefix, "rename", "Rename a container", flags, Rename);

  CLI::App* update = Add(parent, cli, prefix, "update", "Update configuration of one or more containers", flags,
                         Update);
  ResourceFlags& r = flags->resources;
  update->add_option("-m,--memory", r.memory, "Memory limit");
  update->add_option("--memory-swap", r.memory_swap, "Swap limit equal to memory plus swap: -1 to enable unlimited swap");
  update->add_option("--memory-reservation", r.memory_reservation, "Memory soft limit");
  update->add_option("--cpus", r.cpus, "Number of CPUs");
  update->add_option("-c,--cpu-shares", r.cpu_shares, "CPU shares (relative weight)");
  update->add_option("--cpuset-cpus", r.cpuset_cpus, "CPUs in which to allow execution (0-3, 0,1)");
  update->add_option("--cpuset-mems", r.cpuset_mems, "MEMs in which to allow execution (0-3, 0,1)");
  update->add_option("--pids-limit", r.pids_limit, "Tune container pids limit (set -1 for unlimited)");
  update->add_option("--blkio-weight", r.blkio_weight, "Block IO (relative weight), between 10 and 1000, or 0 to disable");
  update->add_option("--restart", flags->restart, "Restart policy to apply when a container exits");
}

}  // namespace berth::cli
