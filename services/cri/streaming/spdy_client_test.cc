// The client against a small kubelet-like server made of this package's
// server pieces: upgrade, session, WaitForStreamTypes, the v4 status.

#include "services/cri/streaming/spdy_client.h"

#include <arpa/inet.h>
#include <netinet/in.h>
#include <sys/socket.h>

#include <functional>
#include <thread>

#include "absl/strings/ascii.h"
#include "absl/strings/str_cat.h"
#include "gtest/gtest.h"
#include "services/cri/streaming/remotecommand_client.h"
#include "services/cri/streaming/remotecommand_status.h"

namespace berth::cri::streaming {
namespace {

using Handler = std::function<void(SpdySession&, const HttpRequestHead&)>;

// Reads the request head, answers the upgrade, and hands the session to
// handler; then closes it, as the kubelet does when a handler returns.
void ServeOne(UniqueFd fd, const std::vector<std::string>& protocols, const Handler& handler) {
  std::string buffer;
  size_t end;
  while ((end = buffer.find("\r\n\r\n")) == std::string::npos) {
    char chunk[1024];
    const ssize_t n = ::recv(fd.get(), chunk, sizeof(chunk), 0);
    ASSERT_GT(n, 0);
    buffer.append(chunk, static_cast<size_t>(n));
  }
  absl::StatusOr<HttpRequestHead> request = ParseRequestHead(buffer.substr(0, end + 4));
  ASSERT_TRUE(request.ok()) << request.status();
  const UpgradeAnswer answer = NegotiateSpdyUpgrade(request->headers, protocols);
  const std::string text = FormatUpgradeAnswer(answer);
  ASSERT_EQ(::send(fd.get(), text.data(), text.size(), MSG_NOSIGNAL), static_cast<ssize_t>(text.size()));
  if (!answer.ok()) return;
  std::unique_ptr<SpdySession> session = SpdySession::Start(std::move(fd), buffer.substr(end + 4));
  handler(*session, *request);
  session->Close();
}

class TcpServer {
 public:
  TcpServer(std::vector<std::string> protocols, Handler handler) {
    listener_.Reset(::socket(AF_INET, SOCK_STREAM | SOCK_CLOEXEC, 0));
    sockaddr_in address{};
    address.sin_family = AF_INET;
    address.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
    socklen_t length = sizeof(address);
    EXPECT_EQ(::bind(listener_.get(), reinterpret_cast<sockaddr*>(&address), sizeof(address)), 0);
    EXPECT_EQ(::listen(listener_.get(), 1), 0);
    EXPECT_EQ(::getsockname(listener_.get(), reinterpret_cast<sockaddr*>(&address), &length), 0);
    port_ = ntohs(address.sin_port);
    thread_ = std::thread([this, protocols = std::move(protocols), handler = std::move(handler)] {
      UniqueFd connection(::accept4(listener_.get(), nullptr, nullptr, SOCK_CLOEXEC));
      ASSERT_TRUE(connection.valid());
      ServeOne(std::move(connection), protocols, handler);
    });
  }
  ~TcpServer() { thread_.join(); }
  std::string Url(const std::string& path) const { return absl::StrCat("http://127.0.0.1:", port_, path); }

 private:
  UniqueFd listener_;
  int port_ = 0;
  std::thread thread_;
};

// All of a stream that must end well.
std::string ReadAllOk(SpdyStream& stream) {
  absl::StatusOr<std::string> all = ReadToEnd(stream);
  EXPECT_TRUE(all.ok()) << all.status();
  return all.ok() ? *all : "";
}

// An exec of "tr a-z A-Z; echo warning >&2; exit 3", kubelet-style.
void UppercaseExec(SpdySession& session, const HttpRequestHead& request) {
  EXPECT_EQ(request.method, "POST");
  EXPECT_EQ(request.target, "/exec/token123");
  absl::StatusOr<std::map<std::string, std::shared_ptr<SpdyStream>>> streams =
      WaitForStreamTypes(session, {"error", "stdin", "stdout", "stderr"}, absl::Seconds(30));
  ASSERT_TRUE(streams.ok()) << streams.status();
  const std::string input = ReadAllOk(*streams->at("stdin"));
  EXPECT_TRUE(streams->at("stdout")->Write(absl::AsciiStrToUpper(input)).ok());
  EXPECT_TRUE(streams->at("stderr")->Write("warning\n").ok());
  EXPECT_TRUE(streams->at("stdout")->CloseWrite().ok());
  EXPECT_TRUE(streams->at("stderr")->CloseWrite().ok());
  EXPECT_TRUE(streams->at("error")->Write(ExitCodeStatusJson(3)).ok());
  EXPECT_TRUE(streams->at("error")->CloseWrite().ok());
}

TEST(SpdyClientTest, ExecOverTcpCarriesStreamsAndTheExitCode) {
  TcpServer server(RemoteCommandProtocols(), UppercaseExec);
  absl::StatusOr<SpdyConnection> connection = ConnectSpdy(server.Url("/exec/token123"), RemoteCommandProtocols());
  ASSERT_TRUE(connection.ok()) << connection.status();
  EXPECT_EQ(connection->protocol, "v4.channel.k8s.io");

  // More than a window's worth each way.
  std::string input;
  for (int i = 0; i < 20000; ++i) absl::StrAppend(&input, "line ", i, "\n");
  ExecOptions options;
  options.with_stdin = true;
  absl::StatusOr<ExecOutput> output = RunRemoteCommand(*connection->session, options, input);
  ASSERT_TRUE(output.ok()) << output.status();
  EXPECT_TRUE(output->out == absl::AsciiStrToUpper(input)) << output->out.size();
  EXPECT_EQ(output->err, "warning\n");
  EXPECT_FALSE(output->result.success);
  EXPECT_EQ(output->result.exit_code, 3);
}

TEST(SpdyClientTest, RefusedUpgradeSaysWhy) {
  TcpServer server({kPortForwardV1}, [](SpdySession&, const HttpRequestHead&) { ADD_FAILURE() << "upgraded"; });
  absl::StatusOr<SpdyConnection> connection = ConnectSpdy(server.Url("/exec/x"), {"v4.channel.k8s.io"});
  ASSERT_FALSE(connection.ok());
  EXPECT_NE(connection.status().message().find("403 Forbidden: unable to upgrade: unable to negotiate protocol: "
                                               "client supports [v4.channel.k8s.io], server accepts "
                                               "[portforward.k8s.io]"),
            std::string::npos)
      << connection.status();
}

TEST(SpdyClientTest, PortForwardStreamsCarryPortAndRequestId) {
  auto port_forward = [](SpdySession& session, const HttpRequestHead&) {
    absl::StatusOr<std::map<std::string, std::shared_ptr<SpdyStream>>> streams =
        WaitForStreamTypes(session, {"error", "data"}, absl::Seconds(30));
    ASSERT_TRUE(streams.ok()) << streams.status();
    for (const auto& [type, stream] : *streams) {
      EXPECT_EQ(stream->Header("port"), "8080") << type;
      EXPECT_EQ(stream->Header("requestID"), "7") << type;
    }
    // The client finished the error stream at once.
    EXPECT_EQ(ReadAllOk(*streams->at("error")), "");
    std::shared_ptr<SpdyStream> data = streams->at("data");
    EXPECT_EQ(ReadAllOk(*data), "GET / HTTP/1.0\r\n\r\n");
    EXPECT_TRUE(data->Write("HTTP/1.0 200 OK\r\n\r\nhi").ok());
    EXPECT_TRUE(data->CloseWrite().ok());
    EXPECT_TRUE(streams->at("error")->CloseWrite().ok());
  };
  TcpServer server({kPortForwardV1}, port_forward);
  absl::StatusOr<SpdyConnection> connection = ConnectSpdy(server.Url("/portforward/t"), {kPortForwardV1});
  ASSERT_TRUE(connection.ok()) << connection.status();
  EXPECT_EQ(connection->protocol, "portforward.k8s.io");
  absl::StatusOr<PortForwardStreams> streams = OpenPortForwardStreams(*connection->session, 8080, 7);
  ASSERT_TRUE(streams.ok()) << streams.status();
  ASSERT_TRUE(streams->data->Write("GET / HTTP/1.0\r\n\r\n").ok());
  ASSERT_TRUE(streams->data->CloseWrite().ok());
  EXPECT_EQ(ReadAllOk(*streams->data), "HTTP/1.0 200 OK\r\n\r\nhi");
  EXPECT_EQ(ReadAllOk(*streams->error), "");
}

TEST(SpdyClientTest, TtyExecOpensResizeAndNoStderr) {
  auto handler = [](SpdySession& session, const HttpRequestHead&) {
    absl::StatusOr<std::map<std::string, std::shared_ptr<SpdyStream>>> streams =
        WaitForStreamTypes(session, {"error", "stdout", "resize"}, absl::Seconds(30));
    ASSERT_TRUE(streams.ok()) << streams.status();
    EXPECT_TRUE(streams->at("stdout")->Write("$ ").ok());
    EXPECT_TRUE(streams->at("stdout")->CloseWrite().ok());
    EXPECT_TRUE(streams->at("error")->Write(SuccessStatusJson()).ok());
    EXPECT_TRUE(streams->at("error")->CloseWrite().ok());
  };
  TcpServer server(RemoteCommandProtocols(), handler);
  absl::StatusOr<SpdyConnection> connection = ConnectSpdy(server.Url("/attach/t"), {"v4.channel.k8s.io"});
  ASSERT_TRUE(connection.ok()) << connection.status();
  ExecOptions options;
  options.tty = true;
  absl::StatusOr<ExecOutput> output = RunRemoteCommand(*connection->session, options, "");
  ASSERT_TRUE(output.ok()) << output.status();
  EXPECT_EQ(output->out, "$ ");
  EXPECT_TRUE(output->result.success);
  EXPECT_EQ(output->result.exit_code, 0);
}

// Before v4 the error stream carries an error's text, and nothing for
// success.
TEST(SpdyClientTest, V3ErrorStreamIsText) {
  auto handler = [](SpdySession& session, const HttpRequestHead&) {
    absl::StatusOr<std::map<std::string, std::shared_ptr<SpdyStream>>> streams =
        WaitForStreamTypes(session, {"error", "stdout", "stderr"}, absl::Seconds(30));
    ASSERT_TRUE(streams.ok()) << streams.status();
    EXPECT_TRUE(streams->at("stdout")->CloseWrite().ok());
    EXPECT_TRUE(streams->at("stderr")->CloseWrite().ok());
    EXPECT_TRUE(streams->at("error")->Write("container not running").ok());
    EXPECT_TRUE(streams->at("error")->CloseWrite().ok());
  };
  TcpServer server(RemoteCommandProtocols(), handler);
  absl::StatusOr<SpdyConnection> connection = ConnectSpdy(server.Url("/exec/t"), {"v3.channel.k8s.io"});
  ASSERT_TRUE(connection.ok()) << connection.status();
  ASSERT_EQ(connection->protocol, "v3.channel.k8s.io");
  absl::StatusOr<ExecOutput> output = RunRemoteCommand(*connection->session, {}, "", connection->protocol);
  ASSERT_TRUE(output.ok()) << output.status();
  EXPECT_FALSE(output->result.success);
  EXPECT_FALSE(output->result.exit_code.has_value());
  EXPECT_EQ(output->result.message, "container not running");
}

TEST(SpdyClientTest, BadUrlsAreRefused) {
  EXPECT_FALSE(ConnectSpdy("https://127.0.0.1:1/exec/x", RemoteCommandProtocols()).ok());
  EXPECT_FALSE(ConnectSpdy("http://[::1/exec/x", RemoteCommandProtocols()).ok());
}

}  // namespace
}  // namespace berth::cri::streaming
