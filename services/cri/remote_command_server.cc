#include "services/cri/remote_command_server.h"

#include <atomic>
#include <map>
#include <memory>
#include <optional>
#include <thread>
#include <vector>

#include "absl/strings/str_cat.h"
#include "services/common/base/grpc_status.h"
#include "services/common/base/log.h"
#include "services/cri/streaming/remotecommand_status.h"
#include "services/cri/streaming/stream_types.h"
#include "services/cri/streaming/terminal_size.h"
#include "services/cri/streaming/upgrade.h"

namespace berth::cri {
namespace {

using streaming::SpdySession;
using streaming::SpdyStream;
using berth::tasks::v1::AttachRequest;
using berth::tasks::v1::AttachResponse;
using berth::tasks::v1::AttachTarget;

// The kubelet's stream creation timeout.
constexpr absl::Duration kStreamCreationTimeout = absl::Seconds(30);

struct Wanted {
  bool in = false, out = false, err = false, tty = false;
};

// What the client opened, or why not.
absl::StatusOr<std::map<std::string, std::shared_ptr<SpdyStream>>> AcceptStreams(
    SpdySession& session, const std::string& protocol, const Wanted& wanted) {
  std::vector<std::string> types = {streaming::kStreamTypeError};
  if (wanted.in) types.push_back(streaming::kStreamTypeStdin);
  if (wanted.out) types.push_back(streaming::kStreamTypeStdout);
  if (wanted.err && !wanted.tty) types.push_back(streaming::kStreamTypeStderr);
  // The resize stream came with v3.
  bool resizes = wanted.tty && protocol != streaming::kRemoteCommandV2 &&
                 protocol != streaming::kRemoteCommandV1;
  if (resizes) types.push_back(streaming::kStreamTypeResize);
  return streaming::WaitForStreamTypes(session, types, kStreamCreationTimeout);
}

std::shared_ptr<SpdyStream> Find(const std::map<std::string, std::shared_ptr<SpdyStream>>& streams,
                                 const char* type) {
  auto it = streams.find(type);
  return it == streams.end() ? nullptr : it->second;
}

// The error stream's last word, as the protocol has it.
void WriteStatus(SpdyStream& error, const std::string& protocol, std::optional<int> exit_code,
                 const std::string& failure) {
  bool v4 = protocol == streaming::kRemoteCommandV4;
  std::string text;
  if (!failure.empty()) {
    text = v4 ? streaming::FailureStatusJson(failure) : failure;
  } else if (exit_code.value_or(0) != 0) {
    text = v4 ? streaming::ExitCodeStatusJson(*exit_code)
              : absl::StrCat("command terminated with non-zero exit code: exit status ",
                             *exit_code);
  } else if (v4) {
    text = streaming::SuccessStatusJson();
  }
  if (!text.empty()) error.Write(text).IgnoreError();
  error.CloseWrite().IgnoreError();
}

// The client's streams and the tasks service's Attach, both ways, until
// the process ends or the client leaves. The exit code, if it ended.
std::optional<int> Relay(const Backends& backends, SpdySession& session,
                         const std::map<std::string, std::shared_ptr<SpdyStream>>& streams,
                         const AttachTarget& target, std::string* failure) {
  auto context = StreamContext();
  auto call = backends.tasks->Attach(context.get());
  AttachRequest first;
  *first.mutable_target() = target;
  if (!call->Write(first)) {
    *failure = std::string(FromGrpcStatus(call->Finish()).message());
    return std::nullopt;
  }
  std::atomic<bool> over{false};
  std::vector<std::thread> inputs;
  absl::Mutex write_mu;
  auto send = [&](const AttachRequest& message) {
    absl::MutexLock lock(&write_mu);
    return call->Write(message);
  };
  if (auto in = Find(streams, streaming::kStreamTypeStdin)) {
    inputs.emplace_back([&, in] {
      while (!over) {
        absl::StatusOr<std::string> data = in->Read();
        if (!data.ok()) return;
        AttachRequest message;
        if (data->empty()) {
          message.set_close_stdin(true);  // the client's end of stdin
          send(message);
          return;
        }
        message.set_stdin(*std::move(data));
        if (!send(message)) return;
      }
    });
  }
  if (auto resize = Find(streams, streaming::kStreamTypeResize)) {
    inputs.emplace_back([&, resize] {
      streaming::TerminalSizeDecoder decoder;
      while (!over) {
        absl::StatusOr<std::string> data = resize->Read();
        if (!data.ok() || data->empty()) return;
        std::vector<streaming::TerminalSize> sizes;
        // A bad size ends the reading, as the kubelet's decoder does.
        if (!decoder.Feed(*data, &sizes).ok()) return;
        for (const streaming::TerminalSize& size : sizes) {
          AttachRequest message;
          message.mutable_resize()->set_rows(size.height);
          message.mutable_resize()->set_cols(size.width);
          if (!send(message)) return;
        }
      }
    });
  }
  // The client hanging up ends the attach (an exec's stdin closes with it).
  std::thread watch([&] {
    while (!over) {
      if (session.WaitEnded(absl::Milliseconds(200))) {
        context->TryCancel();
        return;
      }
    }
  });
  auto out = Find(streams, streaming::kStreamTypeStdout);
  auto err = Find(streams, streaming::kStreamTypeStderr);
  std::optional<int> exit_code;
  AttachResponse response;
  while (call->Read(&response)) {
    if (response.has_exit()) {
      exit_code = response.exit().exit_code();
      break;
    }
    // With a TTY everything is stdout; without a stderr stream it is lost,
    // as the client did not ask for it.
    SpdyStream* to = response.has_stderr() ? err.get() : out.get();
    const std::string& data = response.has_stderr() ? response.stderr() : response.stdout();
    if (to != nullptr && !data.empty() && !to->Write(data).ok()) break;
  }
  over = true;
  context->TryCancel();
  grpc::Status status = call->Finish();
  if (!exit_code && !status.ok() && status.error_code() != grpc::StatusCode::CANCELLED) {
    *failure = status.error_message();
  }
  watch.join();
  // The input threads wait in reads that end with the session; their
  // streams are reset so that they return now.
  for (const auto& [type, stream] : streams) {
    if (type == streaming::kStreamTypeStdin || type == streaming::kStreamTypeResize) {
      stream->Reset();
    }
  }
  for (std::thread& input : inputs) input.join();
  for (const auto& stream : {out, err}) {
    if (stream != nullptr) stream->CloseWrite().IgnoreError();
  }
  return exit_code;
}

void Serve(const Backends& backends, SpdySession& session, const std::string& protocol,
           const Wanted& wanted, const AttachTarget& target,
           const std::function<absl::Status(AttachTarget*)>& prepare) {
  auto streams = AcceptStreams(session, protocol, wanted);
  if (!streams.ok()) {
    BERTH_LOG(Warn) << "cri streaming: " << streams.status().message();
    return;
  }
  auto error = Find(*streams, streaming::kStreamTypeError);
  AttachTarget ready = target;
  if (absl::Status prepared = prepare(&ready); !prepared.ok()) {
    WriteStatus(*error, protocol, std::nullopt, std::string(prepared.message()));
    return;
  }
  std::string failure;
  std::optional<int> exit_code = Relay(backends, session, *streams, ready, &failure);
  WriteStatus(*error, protocol, exit_code, failure);
}

}  // namespace

void ServeExec(const Backends& backends, SpdySession& session, const std::string& protocol,
               const runtime::v1::ExecRequest& request) {
  Wanted wanted{request.stdin(), request.stdout(), request.stderr(), request.tty()};
  AttachTarget target;
  target.set_stdin(wanted.in);
  target.set_stdout(wanted.out);
  target.set_stderr(wanted.err);
  target.set_start(true);
  // The exec is made once the client's streams are there, so that a client
  // that never comes leaves no exec behind.
  auto prepare = [&](AttachTarget* ready) -> absl::Status {
    berth::tasks::v1::CreateExecRequest create;
    create.set_id(request.container_id());
    auto* process = create.mutable_process();
    for (const std::string& arg : request.cmd()) process->add_args(arg);
    process->set_tty(request.tty());
    process->set_attach_stdin(request.stdin());
    process->set_attach_stdout(request.stdout());
    process->set_attach_stderr(request.stderr());
    berth::tasks::v1::CreateExecResponse created;
    auto context = CallContext(std::chrono::seconds(60));
    grpc::Status status = backends.tasks->CreateExec(context.get(), create, &created);
    if (!status.ok()) return FromGrpcStatus(status);
    ready->set_id(request.container_id());
    ready->set_exec_id(created.exec_id());
    return absl::OkStatus();
  };
  Serve(backends, session, protocol, wanted, target, prepare);
}

void ServeAttach(const Backends& backends, SpdySession& session, const std::string& protocol,
                 const runtime::v1::AttachRequest& request) {
  Wanted wanted{request.stdin(), request.stdout(), request.stderr(), request.tty()};
  AttachTarget target;
  target.set_id(request.container_id());
  target.set_stdin(wanted.in);
  target.set_stdout(wanted.out);
  target.set_stderr(wanted.err);
  Serve(backends, session, protocol, wanted, target,
        [](AttachTarget*) { return absl::OkStatus(); });
}

}  // namespace berth::cri
