// spdy_exec: the client side of the CRI streaming server, for the end-to-end
// tests (CI has neither crictl nor kubectl). Takes the URL that Exec, Attach
// or PortForward answered.
//
//   spdy_exec URL                       exec/attach: prints stdout and stderr,
//   spdy_exec -i URL < input            exits with the command's exit code
//   spdy_exec -t URL                    with a TTY (resize stream, no stderr)
//   spdy_exec -p PORT URL < request     port-forward: sends stdin to PORT,
//                                       prints what comes back
//
// Exec reads all of stdin before it starts. Exit 125 and a message on
// stderr when the connection or the protocol fails, or the status is a
// failure without an exit code.

#include <unistd.h>

#include <cstdio>
#include <cstdlib>
#include <cstring>
#include <iostream>
#include <iterator>
#include <string>

#include "absl/strings/numbers.h"
#include "services/cri/streaming/remotecommand_client.h"
#include "services/cri/streaming/spdy_client.h"

namespace {

using berth::cri::streaming::ConnectSpdy;
using berth::cri::streaming::ExecOptions;
using berth::cri::streaming::kPortForwardV1;
using berth::cri::streaming::OpenPortForwardStreams;
using berth::cri::streaming::RemoteCommandProtocols;
using berth::cri::streaming::RunRemoteCommand;

constexpr int kToolFailed = 125;

int Fail(const std::string& message) {
  std::fprintf(stderr, "spdy_exec: %s\n", message.c_str());
  return kToolFailed;
}

std::string ReadStdin() { return std::string(std::istreambuf_iterator<char>(std::cin), {}); }

int PortForward(const std::string& url, int port) {
  absl::StatusOr<berth::cri::streaming::SpdyConnection> connection = ConnectSpdy(url, {kPortForwardV1});
  if (!connection.ok()) return Fail(std::string(connection.status().message()));
  absl::StatusOr<berth::cri::streaming::PortForwardStreams> streams =
      OpenPortForwardStreams(*connection->session, port, 0);
  if (!streams.ok()) return Fail(std::string(streams.status().message()));
  if (absl::Status sent = streams->data->Write(ReadStdin()); !sent.ok()) return Fail(std::string(sent.message()));
  if (absl::Status closed = streams->data->CloseWrite(); !closed.ok()) return Fail(std::string(closed.message()));
  while (true) {
    absl::StatusOr<std::string> chunk = streams->data->Read();
    if (!chunk.ok()) return Fail(std::string(chunk.status().message()));
    if (chunk->empty()) break;
    std::fwrite(chunk->data(), 1, chunk->size(), stdout);
  }
  // The kubelet reports a failure to reach the port on the error stream.
  absl::StatusOr<std::string> error = berth::cri::streaming::ReadToEnd(*streams->error);
  if (error.ok() && !error->empty()) return Fail(*error);
  return 0;
}

}  // namespace

int main(int argc, char** argv) {
  ExecOptions options;
  int port = -1;
  int i = 1;
  for (; i < argc && argv[i][0] == '-'; ++i) {
    if (std::strcmp(argv[i], "-i") == 0) {
      options.with_stdin = true;
    } else if (std::strcmp(argv[i], "-t") == 0) {
      options.tty = true;
    } else if (std::strcmp(argv[i], "-p") == 0 && i + 1 < argc && absl::SimpleAtoi(argv[i + 1], &port)) {
      ++i;
    } else {
      return Fail(std::string("unknown option ") + argv[i]);
    }
  }
  if (i + 1 != argc) return Fail("usage: spdy_exec [-i] [-t] [-p PORT] URL");
  const std::string url = argv[i];
  if (port >= 0) return PortForward(url, port);

  absl::StatusOr<berth::cri::streaming::SpdyConnection> connection = ConnectSpdy(url, RemoteCommandProtocols());
  if (!connection.ok()) return Fail(std::string(connection.status().message()));
  const std::string input = options.with_stdin ? ReadStdin() : "";
  absl::StatusOr<berth::cri::streaming::ExecOutput> output =
      RunRemoteCommand(*connection->session, options, input, connection->protocol);
  if (!output.ok()) return Fail(std::string(output.status().message()));
  std::fwrite(output->out.data(), 1, output->out.size(), stdout);
  std::fwrite(output->err.data(), 1, output->err.size(), stderr);
  std::fflush(stdout);
  if (output->result.exit_code.has_value()) return *output->result.exit_code;
  return Fail(output->result.message);
}
