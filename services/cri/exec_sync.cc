// ExecSync: a command run to its end in a CRI container (the kubelet's exec
// probes), through the tasks service's exec and attach. Output is capped as
// containerd caps it, so a chatty probe cannot exhaust berth-cri.

#include "absl/strings/str_cat.h"
#include "services/common/base/grpc_status.h"
#include "services/cri/cri_containers.h"

namespace berth::cri {
namespace {

// containerd's maxExecSyncSize (16 MiB) for each of stdout and stderr.
constexpr size_t kMaxOutput = 16 << 20;

void AppendCapped(std::string* out, const std::string& data) {
  if (out->size() >= kMaxOutput) return;
  out->append(data, 0, kMaxOutput - out->size());
}

}  // namespace

absl::StatusOr<berth::tasks::v1::Container> CriContainers::GetRunning(const std::string& id) const {
  auto container = Get(id);
  if (!container.ok()) return container.status();
  if (container->state().status() != berth::tasks::v1::RUNNING) {
    return absl::FailedPreconditionError(
        absl::StrCat("container ", container->id(), " is not running"));
  }
  return container;
}

absl::StatusOr<ExecSyncResult> CriContainers::ExecSync(const std::string& id,
                                                       const std::vector<std::string>& cmd,
                                                       int64_t timeout_seconds) {
  if (cmd.empty()) return absl::InvalidArgumentError("ExecSync needs a command");
  auto container = GetRunning(id);
  if (!container.ok()) return container.status();
  berth::tasks::v1::CreateExecRequest create;
  create.set_id(container->id());
  for (const std::string& arg : cmd) create.mutable_process()->add_args(arg);
  create.mutable_process()->set_attach_stdout(true);
  create.mutable_process()->set_attach_stderr(true);
  berth::tasks::v1::CreateExecResponse created;
  auto create_context = CallContext(std::chrono::seconds(60));
  if (grpc::Status status = backends_->tasks->CreateExec(create_context.get(), create, &created);
      !status.ok()) {
    return FromGrpcStatus(status);
  }
  // No timeout: the kubelet's own deadline (a day here) bounds the call.
  auto timeout = std::chrono::seconds(timeout_seconds > 0 ? timeout_seconds : 24 * 3600);
  auto context = CallContext(timeout);
  auto stream = backends_->tasks->Attach(context.get());
  berth::tasks::v1::AttachRequest target;
  target.mutable_target()->set_id(container->id());
  target.mutable_target()->set_exec_id(created.exec_id());
  target.mutable_target()->set_stdout(true);
  target.mutable_target()->set_stderr(true);
  target.mutable_target()->set_start(true);
  ExecSyncResult result;
  bool exited = false;
  if (stream->Write(target)) {
    stream->WritesDone();
    berth::tasks::v1::AttachResponse response;
    while (stream->Read(&response)) {
      if (response.has_stdout()) AppendCapped(&result.stdout_bytes, response.stdout());
      if (response.has_stderr()) AppendCapped(&result.stderr_bytes, response.stderr());
      if (response.has_exit()) {
        result.exit_code = response.exit().exit_code();
        exited = true;
      }
    }
  }
  grpc::Status finished = stream->Finish();
  if (exited) return result;
  if (finished.error_code() == grpc::StatusCode::DEADLINE_EXCEEDED) {
    // As containerd: the command is killed, the container runs on.
    berth::tasks::v1::KillRequest kill;
    kill.set_id(container->id());
    kill.set_exec_id(created.exec_id());
    berth::tasks::v1::KillResponse killed;
    auto kill_context = CallContext(std::chrono::seconds(10));
    backends_->tasks->Kill(kill_context.get(), kill, &killed).IgnoreError();
    return absl::DeadlineExceededError(absl::StrCat("command ", cmd[0], " timed out after ",
                                                    timeout_seconds, "s"));
  }
  if (!finished.ok()) return FromGrpcStatus(finished);
  return absl::InternalError("exec ended without an exit status");
}

}  // namespace berth::cri
