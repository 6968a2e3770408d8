#include "services/cri/streaming/remotecommand_client.h"

#include <thread>

#include "absl/strings/str_cat.h"

namespace berth::cri::streaming {
namespace {

absl::StatusOr<std::shared_ptr<SpdyStream>> Open(SpdySession& session, SpdyHeaders headers) {
  return session.OpenStream(std::move(headers));
}

}  // namespace

absl::StatusOr<ExecStreams> OpenExecStreams(SpdySession& session, const ExecOptions& options) {
  ExecStreams streams;
  struct Wanted {
    bool open;
    const char* type;
    std::shared_ptr<SpdyStream>* into;
  };
  const Wanted wanted[] = {
      {true, kStreamTypeError, &streams.error},
      {options.with_stdin, kStreamTypeStdin, &streams.in},
      {options.with_stdout, kStreamTypeStdout, &streams.out},
      {options.with_stderr && !options.tty, kStreamTypeStderr, &streams.err},
      {options.tty, kStreamTypeResize, &streams.resize},
  };
  for (const Wanted& want : wanted) {
    if (!want.open) continue;
    absl::StatusOr<std::shared_ptr<SpdyStream>> stream = Open(session, {{kStreamTypeHeader, want.type}});
    if (!stream.ok()) {
      return absl::Status(stream.status().code(),
                          absl::StrCat("open the ", want.type, " stream: ", stream.status().message()));
    }
    *want.into = *std::move(stream);
  }
  return streams;
}

absl::StatusOr<ExecOutput> RunRemoteCommand(SpdySession& session, const ExecOptions& options,
                                            std::string_view stdin_data, std::string_view protocol) {
  absl::StatusOr<ExecStreams> streams = OpenExecStreams(session, options);
  if (!streams.ok()) return streams.status();
  ExecOutput output;
  absl::Status stdin_status, stdout_status, stderr_status;
  // Each direction on its own thread, as kubectl copies them: a command
  // that fills stdout before reading stdin must not stall the client.
  std::thread stdin_copier([&] {
    if (streams->in == nullptr) return;
    stdin_status = streams->in->Write(stdin_data);
    if (stdin_status.ok()) stdin_status = streams->in->CloseWrite();
  });
  std::thread stderr_copier([&] {
    if (streams->err == nullptr) return;
    absl::StatusOr<std::string> text = ReadToEnd(*streams->err);
    if (text.ok()) output.err = *std::move(text);
    stderr_status = text.status();
  });
  if (streams->out != nullptr) {
    absl::StatusOr<std::string> text = ReadToEnd(*streams->out);
    if (text.ok()) output.out = *std::move(text);
    stdout_status = text.status();
  }
  stderr_copier.join();
  absl::StatusOr<std::string> status_text = ReadToEnd(*streams->error);
  stdin_copier.join();
  if (!status_text.ok()) return status_text.status();
  if (!stdout_status.ok()) return stdout_status;
  if (!stderr_status.ok()) return stderr_status;
  if (protocol != "v4.channel.k8s.io") {
    output.result.success = status_text->empty();
    if (output.result.success) output.result.exit_code = 0;
    output.result.message = *std::move(status_text);
    return output;
  }
  absl::StatusOr<RemoteCommandResult> result = ParseV4Status(*status_text);
  if (!result.ok()) return result.status();
  output.result = *std::move(result);
  return output;
}

absl::StatusOr<PortForwardStreams> OpenPortForwardStreams(SpdySession& session, int port, int request_id) {
  const std::string port_text = std::to_string(port), id_text = std::to_string(request_id);
  PortForwardStreams streams;
  absl::StatusOr<std::shared_ptr<SpdyStream>> error =
      Open(session,
           {{kStreamTypeHeader, kStreamTypeError}, {kPortHeader, port_text}, {kPortForwardRequestIdHeader, id_text}});
  if (!error.ok()) return error.status();
  // kubectl writes nothing on the error stream: its FIN goes at once.
  if (absl::Status closed = (*error)->CloseWrite(); !closed.ok()) return closed;
  absl::StatusOr<std::shared_ptr<SpdyStream>> data =
      Open(session,
           {{kStreamTypeHeader, kStreamTypeData}, {kPortHeader, port_text}, {kPortForwardRequestIdHeader, id_text}});
  if (!data.ok()) return data.status();
  streams.error = *std::move(error);
  streams.data = *std::move(data);
  return streams;
}

}  // namespace berth::cri::streaming
