#include "services/tasks/execs.h"

#include <algorithm>

#include <thread>

#include "absl/strings/str_cat.h"
#include "absl/strings/str_join.h"
#include "services/common/fs/fs_util.h"
#include "services/tasks/container_spec.h"
#include "shim/client/shim_client.h"

namespace berth::tasks {
namespace {

std::string EnvKey(const std::string& entry) { return entry.substr(0, entry.find('=')); }

// docker's exec event actions name the command: "exec_start: sh -c date".
std::string CommandLine(const v1::ProcessSpec& process) {
  return absl::StrJoin(process.args(), " ");
}

}  // namespace

berth::shim::v1::Process BuildExecProcess(const v1::ContainerSpec& container,
                                          const v1::ProcessSpec& exec) {
  berth::shim::v1::Process process;
  *process.mutable_args() = exec.args();
  std::vector<std::string> env(container.env().begin(), container.env().end());
  auto set = [&env](const std::string& entry) {
    auto it = std::find_if(env.begin(), env.end(),
                           [&](const std::string& e) { return EnvKey(e) == EnvKey(entry); });
    if (it != env.end()) {
      *it = entry;
    } else {
      env.push_back(entry);
    }
  };
  // docker's daemon environment comes first: the container's TERM wins.
  bool has_term = std::any_of(env.begin(), env.end(),
                              [](const std::string& e) { return EnvKey(e) == "TERM"; });
  if (exec.tty() && !has_term) set("TERM=xterm");
  for (const std::string& entry : exec.env()) {
    if (entry.find('=') != std::string::npos) set(entry);
  }
  for (const std::string& entry : env) process.add_env(entry);
  process.set_cwd(!exec.working_dir().empty()       ? exec.working_dir()
                  : !container.working_dir().empty() ? container.working_dir()
                                                     : "/");
  process.set_user(exec.user().empty() ? container.user() : exec.user());
  // As dockerd and containerd: an exec has the container's extra groups.
  *process.mutable_additional_groups() = container.group_add();
  process.set_terminal(exec.tty());
  process.set_stdin(exec.attach_stdin());
  process.set_privileged(exec.privileged());
  SetProcessSecurity(container, &process);
  return process;
}

std::string Execs::SocketOf(const std::string& container_id) const {
  return tasks_->BundleDir(container_id) + "/sock";
}

absl::Status Execs::CheckRunning(const std::string& ns, const std::string& ref) {
  auto container = store_->Resolve(ns, ref);
  if (!container.ok()) return container.status();
  if (container->state().status() == v1::PAUSED) {
    return absl::FailedPreconditionError(
        absl::StrCat("Container ", ref, " is paused, unpause the container before exec"));
  }
  if (container->state().status() != v1::RUNNING) {
    return absl::FailedPreconditionError(
        absl::StrCat("container ", container->id(), " is not running"));
  }
  return absl::OkStatus();
}

absl::StatusOr<std::string> Execs::Create(const std::string& ns, const std::string& ref,
                                          const v1::ProcessSpec& spec) {
  if (spec.args_size() == 0) return absl::InvalidArgumentError("No exec command specified");
  if (absl::Status status = CheckRunning(ns, ref); !status.ok()) return status;
  auto container = store_->Resolve(ns, ref);
  if (!container.ok()) return container.status();
  berth::shim::v1::ExecRequest request;
  request.set_exec_id(fs::RandomHex(32));
  *request.mutable_process() = BuildExecProcess(container->spec(), spec);
  berth::shim::ShimClient shim(SocketOf(container->id()));
  if (absl::Status status = shim.Call("Exec", request, nullptr); !status.ok()) {
    if (absl::IsUnavailable(status) || absl::IsFailedPrecondition(status)) {
      return absl::FailedPreconditionError(
          absl::StrCat("container ", container->id(), " is not running"));
    }
    return status;
  }
  absl::MutexLock lock(&mu_);
  // Execs of containers that are gone or stopped are forgotten here, as
  // their shims forgot them.
  for (auto it = execs_.begin(); it != execs_.end();) {
    auto owner = store_->Get(it->second.container_id);
    it = (!owner || owner->state().status() != v1::RUNNING) ? execs_.erase(it) : std::next(it);
  }
  execs_[request.exec_id()] = {request.exec_id(), container->id(), spec, ns};
  tasks_->Publish(*container, "exec_create: " + CommandLine(spec), {{"execID", request.exec_id()}});
  return request.exec_id();
}

absl::StatusOr<ExecRecord> Execs::Get(const std::string& ns, const std::string& exec_id) {
  absl::MutexLock lock(&mu_);
  auto it = execs_.find(exec_id);
  if (it == execs_.end() || it->second.ns != ns) {
    return absl::NotFoundError(absl::StrCat("No such exec instance: ", exec_id));
  }
  return it->second;
}

absl::StatusOr<int> Execs::Start(const ExecRecord& exec, uint32_t rows, uint32_t cols) {
  if (absl::Status status = CheckRunning(exec.ns, exec.container_id); !status.ok()) return status;
  berth::shim::v1::StartRequest request;
  request.set_exec_id(exec.exec_id);
  request.set_console_rows(rows);
  request.set_console_cols(cols);
  berth::shim::v1::StartResponse response;
  berth::shim::ShimClient shim(SocketOf(exec.container_id));
  if (absl::Status status = shim.Call("Start", request, &response); !status.ok()) return status;
  if (auto container = store_->Get(exec.container_id)) {
    tasks_->Publish(*container, "exec_start: " + CommandLine(exec.process),
                    {{"execID", exec.exec_id}});
  }
  // exec_die when it ends, whether or not a client waits for it.
  std::thread([this, exec] {
    auto exit = Wait(exec);
    auto container = store_->Get(exec.container_id);
    if (!container) return;
    tasks_->Publish(*container, "exec_die",
                    {{"execID", exec.exec_id},
                     {"exitCode", std::to_string(exit.ok() ? exit->exit_status() : 137)}});
  }).detach();
  return response.pid();
}

absl::StatusOr<berth::shim::v1::WaitResponse> Execs::Wait(const ExecRecord& exec) {
  berth::shim::v1::WaitRequest request;
  request.set_exec_id(exec.exec_id);
  berth::shim::v1::WaitResponse response;
  berth::shim::ShimClient shim(SocketOf(exec.container_id));
  absl::Status status = shim.Call("Wait", request, &response, absl::InfiniteDuration());
  if (!status.ok()) return status;
  return response;
}

absl::StatusOr<v1::ExecInfo> Execs::Inspect(const std::string& ns, const std::string& exec_id) {
  auto exec = Get(ns, exec_id);
  if (!exec.ok()) return exec.status();
  v1::ExecInfo info;
  info.set_exec_id(exec->exec_id);
  info.set_container_id(exec->container_id);
  *info.mutable_process() = exec->process;
  berth::shim::v1::StateRequest request;
  request.set_exec_id(exec_id);
  berth::shim::v1::StateResponse state;
  berth::shim::ShimClient shim(SocketOf(exec->container_id));
  if (absl::Status status = shim.Call("State", request, &state); !status.ok()) {
    // The container stopped and took its execs along.
    info.set_running(false);
    info.set_exit_code(137);
    return info;
  }
  info.set_running(state.status() == "running" || state.status() == "paused");
  info.set_exit_code(state.exit_status());
  info.set_pid(state.pid());
  return info;
}

absl::Status Execs::Kill(const ExecRecord& exec, const std::string& signal_name) {
  auto signal = ParseSignal(signal_name.empty() ? "KILL" : signal_name);
  if (!signal.ok()) return signal.status();
  berth::shim::v1::KillRequest request;
  request.set_exec_id(exec.exec_id);
  request.set_signal(static_cast<uint32_t>(*signal));
  berth::shim::ShimClient shim(SocketOf(exec.container_id));
  return shim.Call("Kill", request, nullptr);
}

absl::Status Execs::Resize(const ExecRecord& exec, uint32_t rows, uint32_t cols) {
  berth::shim::v1::ResizePtyRequest request;
  request.set_exec_id(exec.exec_id);
  request.set_rows(rows);
  request.set_cols(cols);
  berth::shim::ShimClient shim(SocketOf(exec.container_id));
  return shim.Call("ResizePty", request, nullptr);
}

}  // namespace berth::tasks
