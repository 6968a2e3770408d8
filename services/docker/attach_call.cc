#include "services/docker/attach_call.h"

#include <string>
#include <thread>
#include <utility>

#include "services/tasks/attach_metadata.h"

namespace berth::docker {

using berth::tasks::v1::AttachRequest;
using berth::tasks::v1::AttachResponse;

AttachCall::AttachCall(const Backends& backends, berth::tasks::v1::AttachTarget target)
    : backends_(backends), target_(std::move(target)) {}

AttachCall::~AttachCall() {
  if (stream_ == nullptr || finished_) return;
  context_.TryCancel();
  stream_->Finish().IgnoreError();
}

bool AttachCall::SendTarget() {
  stream_ = backends_.tasks->Attach(&context_);
  AttachRequest first;
  *first.mutable_target() = target_;
  return stream_->Write(first);
}

grpc::Status AttachCall::Open() {
  if (SendTarget()) {
    stream_->WaitForInitialMetadata();
    const auto& metadata = context_.GetServerInitialMetadata();
    if (metadata.find(std::string(berth::tasks::kAttachRegisteredKey)) != metadata.end()) {
      return grpc::Status::OK;
    }
  }
  // The call ended without the attach in place: its status says why.
  finished_ = true;
  grpc::Status status = stream_->Finish();
  if (status.ok()) return grpc::Status(grpc::StatusCode::UNAVAILABLE, "attach: the call ended");
  return status;
}

void AttachCall::Relay(AttachPeer& peer, bool close_stdin_at_eof) {
  if (stream_ == nullptr && !SendTarget()) {
    finished_ = true;
    stream_->Finish().IgnoreError();
  }
  if (finished_) {
    peer.Finish();
    return;
  }
  // The client's side: stdin (written before the start, too), its end as
  // the process's stdin end.
  std::thread input([&] {
    bool open = target_.stdin();
    while (true) {
      std::string data;
      AttachPeer::Input got = peer.Read(&data);
      if (got == AttachPeer::Input::kData) {
        if (!open) continue;
        AttachRequest message;
        message.set_stdin(std::move(data));
        if (!stream_->Write(message)) return;
        continue;
      }
      if (got == AttachPeer::Input::kGone) {
        context_.TryCancel();
        return;
      }
      // A half-close: stdin ends; the output still flows.
      if (open && close_stdin_at_eof) {
        AttachRequest message;
        message.set_close_stdin(true);
        stream_->Write(message);
        open = false;
      }
      if (!peer.ReadsAfterEnd()) return;
    }
  });
  AttachResponse response;
  while (stream_->Read(&response)) {
    if (!response.has_stdout() && !response.has_stderr()) break;  // the exit, or detached
    const std::string& payload = response.has_stdout() ? response.stdout() : response.stderr();
    if (payload.empty()) continue;
    if (!peer.Write(response.has_stdout() ? 1 : 2, payload)) {
      context_.TryCancel();
      break;
    }
  }
  peer.Finish();
  context_.TryCancel();
  input.join();
  finished_ = true;
  stream_->Finish().IgnoreError();
}

}  // namespace berth::docker
