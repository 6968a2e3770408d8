#ifndef BERTH_SERVICES_CRI_STREAMING_REMOTECOMMAND_CLIENT_H_
#define BERTH_SERVICES_CRI_STREAMING_REMOTECOMMAND_CLIENT_H_

// The client's side of exec/attach and port-forward over a SPDY session,
// opening streams in the order and with the headers kubectl uses:
//   exec/attach: error, then stdin, stdout, stderr (not with a TTY), and
//     resize (TTY, v3 and later), each with only a streamType header;
//   port-forward: per request, an error stream (closed for writing at once)
//     and a data stream, both with streamType, port and requestID.

#include <memory>
#include <string>
#include <string_view>

#include "absl/status/statusor.h"
#include "services/cri/streaming/remotecommand_status.h"
#include "services/cri/streaming/spdy_session.h"
#include "services/cri/streaming/stream_types.h"

namespace berth::cri::streaming {

struct ExecOptions {
  bool with_stdin = false;
  bool with_stdout = true;
  bool with_stderr = true;
  bool tty = false;
};

// (Not named stdin/stdout/stderr: those are macros in some C libraries.)
struct ExecStreams {
  std::shared_ptr<SpdyStream> error, in, out, err, resize;
};

absl::StatusOr<ExecStreams> OpenExecStreams(SpdySession& session, const ExecOptions& options);

struct ExecOutput {
  std::string out;  // stdout
  std::string err;  // stderr
  RemoteCommandResult result;
};

// Runs an exec or attach to its end: writes stdin_data (then FIN) when
// options.with_stdin, collects stdout and stderr, and reads the error
// stream as the negotiated protocol has it (v4's Status; before v4, an
// error's text, no exit code).
absl::StatusOr<ExecOutput> RunRemoteCommand(SpdySession& session, const ExecOptions& options,
                                            std::string_view stdin_data,
                                            std::string_view protocol = "v4.channel.k8s.io");

struct PortForwardStreams {
  std::shared_ptr<SpdyStream> error, data;
};

absl::StatusOr<PortForwardStreams> OpenPortForwardStreams(SpdySession& session, int port, int request_id);

}  // namespace berth::cri::streaming

#endif  // BERTH_SERVICES_CRI_STREAMING_REMOTECOMMAND_CLIENT_H_
