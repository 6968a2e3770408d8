// Tasks.Attach: a process's stdio both ways through the shim's live stream
// (run, start -a, attach, exec). Output is the shim's, not the log's: a
// prompt without a newline shows at once, and an exec (which has no log)
// works the same way. For run and start -a the shim keeps what the process
// writes until this attach arrives (StartOptions.attach, replay), and the
// attachment is opened before the exit can be collected, so nothing is
// missed. Detach keys are watched for in a terminal's input, as docker's
// daemon does.

#include <atomic>
#include <optional>
#include <thread>

#include "absl/strings/str_cat.h"
#include "absl/synchronization/mutex.h"
#include "services/common/base/grpc_status.h"
#include "services/common/namespaces/namespace.h"
#include "services/tasks/attach_metadata.h"
#include "services/tasks/detach_keys.h"
#include "services/tasks/tasks_service.h"
#include "shim/client/shim_client.h"

namespace berth::tasks {

using berth::shim::ShimAttachment;

grpc::Status TasksService::Attach(
    grpc::ServerContext* context,
    grpc::ServerReaderWriter<v1::AttachResponse, v1::AttachRequest>* stream) {
  v1::AttachRequest first;
  if (!stream->Read(&first) || !first.has_target()) {
    return grpc::Status(grpc::StatusCode::INVALID_ARGUMENT,
                        "attach: the first message names the target");
  }
  const v1::AttachTarget& target = first.target();
  auto ns = namespaces::NamespaceOf(*context);
  if (!ns.ok()) return ToGrpcStatus(ns.status());
  auto container = store_->Resolve(*ns, target.id());
  if (!container.ok()) return ToGrpcStatus(container.status());
  const std::string id = container->id();
  std::optional<ExecRecord> exec;
  bool tty = container->spec().tty();
  if (!target.exec_id().empty()) {
    auto record = execs_.Get(*ns, target.exec_id());
    if (!record.ok()) return ToGrpcStatus(record.status());
    if (record->container_id != id) {
      return grpc::Status(grpc::StatusCode::NOT_FOUND,
                          "No such exec instance: " + target.exec_id());
    }
    exec = *record;
    tty = exec->process.tty();
  } else if (!target.start() && !(target.await_start() && !IsRunning(*container))) {
    if (container->state().status() == v1::PAUSED) {
      return grpc::Status(grpc::StatusCode::FAILED_PRECONDITION,
                          "You cannot attach to a paused container, unpause it first");
    }
    if (!IsRunning(*container)) {
      return grpc::Status(grpc::StatusCode::FAILED_PRECONDITION,
                          "You cannot attach to a stopped container, start it first");
    }
  }
  // dockerd's "attach" event: when a client attaches to the main process
  // (docker run, start -a, attach), before the start it may bring.
  if (!exec) tasks_->Publish(*container, "attach");
  std::string detach_keys;
  if (tty && target.stdin()) {
    auto keys = ParseDetachKeys(target.detach_keys());
    if (!keys.ok()) return ToGrpcStatus(keys.status());
    detach_keys = *keys;
  }

  // Taken before Start, as docker's client waits before it starts: --rm
  // may remove the container before this call asks for its exit.
  TaskManager::ExitHold hold(tasks_, id);
  const std::string socket = tasks_->BundleDir(id) + "/sock";
  berth::shim::v1::AttachRequest request;
  request.set_exec_id(target.exec_id());
  request.set_stdin(target.stdin());
  request.set_stdout(target.stdout());
  request.set_stderr(target.stderr());
  std::optional<absl::StatusOr<ShimAttachment>> attachment;
  auto open = [&](bool replay) {
    request.set_replay(replay);
    attachment.emplace(ShimAttachment::Open(socket, request));
  };
  // The client learns that the attach is in place from the initial
  // metadata: dockerd answers its 101 only then, and the docker CLI sends
  // its start after the 101 (a start that came first would leave the
  // attach waiting for the next one).
  bool announced = false;
  auto announce = [&] {
    if (announced) return;
    announced = true;
    context->AddInitialMetadata(std::string(kAttachRegisteredKey), "1");
    stream->SendInitialMetadata();
  };
  absl::Status started = absl::OkStatus();
  const v1::WindowSize& size = target.initial_size();
  if (exec) {
    open(false);
    if (attachment->ok() && target.start()) {
      auto pid = execs_.Start(*exec, size.rows(), size.cols());
      if (!pid.ok()) started = pid.status();
    }
  } else if (target.start()) {
    StartOptions options;
    options.attach = true;
    options.launched = [&] { open(true); };
    options.rows = size.rows();
    options.cols = size.cols();
    started = tasks_->Start(*ns, id, options);
    if (started.ok() && !attachment) open(false);  // it was running already
  } else if (target.await_start() && !IsRunning(*container)) {
    auto awaited = tasks_->AwaitStart(id, [&] { open(true); }, announce,
                                      [context] { return context->IsCancelled(); });
    if (!awaited.ok()) return ToGrpcStatus(awaited.status());
    if (*awaited == TaskManager::AwaitedStart::kRunning) open(false);
  } else {
    open(false);
    if (tty && size.rows() > 0) ResizeTerminal(*ns, id, "", size).IgnoreError();
  }
  if (!started.ok()) return ToGrpcStatus(started);
  if (!attachment->ok()) return ToGrpcStatus(attachment->status());
  ShimAttachment& shim = **attachment;
  announce();

  // As dockerd: the end of the client's stdin closes the process's only for
  // an exec or a StdinOnce container (run -i); a container kept open with
  // -di keeps its stdin for the next attach.
  const bool close_stdin_at_end = exec.has_value() || container->spec().stdin_once();
  absl::Mutex write_mu;
  auto write = [&](const v1::AttachResponse& response) {
    absl::MutexLock lock(&write_mu);
    return stream->Write(response);
  };
  std::atomic<bool> detached{false};
  // The client's side: stdin (through the detach keys with a terminal),
  // resizes, the close of stdin.
  std::thread reader([&] {
    DetachKeyFilter filter(detach_keys.empty() ? std::string(1, '\0') : detach_keys);
    v1::AttachRequest message;
    while (stream->Read(&message)) {
      if (message.has_stdin() && target.stdin()) {
        std::string data = detach_keys.empty() ? message.stdin() : filter.Feed(message.stdin());
        if (!data.empty()) shim.WriteStdin(data, false).IgnoreError();
        if (filter.detached()) {
          detached = true;
          shim.Cancel();
          return;
        }
      } else if (message.has_resize()) {
        ResizeTerminal(*ns, id, target.exec_id(), message.resize()).IgnoreError();
      } else if (message.has_close_stdin()) {
        if (close_stdin_at_end) shim.WriteStdin("", true).IgnoreError();
      }
    }
    // The client went away: its stdin ends where it is the process's only
    // one, and the output has nobody to go to.
    if (target.stdin() && close_stdin_at_end) shim.WriteStdin("", true).IgnoreError();
    if (context->IsCancelled()) shim.Cancel();
  });

  while (true) {
    auto frame = shim.Next();
    if (!frame.ok()) break;  // detached, cancelled, or the shim is gone
    if (!frame->has_value()) break;  // the process ended, its output delivered
    v1::AttachResponse response;
    if ((*frame)->fd() == 2) {
      response.set_stderr((*frame)->data());
    } else {
      response.set_stdout((*frame)->data());
    }
    if (!write(response)) break;
  }
  auto finish = [&](const grpc::Status& status) {
    context->TryCancel();
    reader.join();
    return status;
  };
  if (detached) {
    v1::AttachResponse response;
    response.set_detached(true);
    write(response);
    return finish(grpc::Status::OK);
  }
  if (context->IsCancelled()) return finish(grpc::Status::CANCELLED);
  v1::WaitResponse exit;
  if (exec) {
    auto waited = execs_.Wait(*exec);
    // Its container stopped under it (and took it along).
    exit.set_exit_code(waited.ok() ? waited->exit_status() : 137);
  } else {
    auto waited =
        tasks_->Wait(*ns, id, "not-running", [context] { return context->IsCancelled(); });
    if (!waited.ok()) return finish(ToGrpcStatus(waited.status()));
    exit = *waited;
    // run --rm returns once the container is gone, as docker's does (its
    // volumes and name are free again).
    if (container->spec().auto_remove()) {
      tasks_->Wait(*ns, id, "removed", [context] { return context->IsCancelled(); }).IgnoreError();
    }
  }
  v1::AttachResponse last;
  *last.mutable_exit() = exit;
  write(last);
  return finish(grpc::Status::OK);
}

}  // namespace berth::tasks
