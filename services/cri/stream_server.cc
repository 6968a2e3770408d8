#include "services/cri/stream_server.h"

#include <arpa/inet.h>
#include <netinet/in.h>
#include <sys/socket.h>
#include <unistd.h>

#include "absl/strings/match.h"
#include "absl/strings/str_cat.h"
#include "services/common/base/log.h"
#include "services/cri/port_forward_server.h"
#include "services/cri/remote_command_server.h"
#include "services/cri/streaming/upgrade.h"
#include "services/common/http/listen.h"

namespace berth::cri {
namespace {

using http::HttpRequest;
using http::HttpResponse;

// The kubelet's and containerd's default stream idle timeout.
constexpr absl::Duration kStreamIdleTimeout = absl::Hours(4);

// "host:port" of a listening socket, as a client reaches it: a wildcard
// address is reached on loopback.
absl::StatusOr<std::string> ListeningAddress(int fd) {
  sockaddr_storage address{};
  socklen_t length = sizeof(address);
  if (::getsockname(fd, reinterpret_cast<sockaddr*>(&address), &length) != 0) {
    return absl::ErrnoToStatus(errno, "cri streaming: getsockname");
  }
  char text[INET6_ADDRSTRLEN] = {};
  if (address.ss_family == AF_INET) {
    auto* v4 = reinterpret_cast<sockaddr_in*>(&address);
    if (v4->sin_addr.s_addr == htonl(INADDR_ANY)) v4->sin_addr.s_addr = htonl(INADDR_LOOPBACK);
    ::inet_ntop(AF_INET, &v4->sin_addr, text, sizeof(text));
    return absl::StrCat(text, ":", ntohs(v4->sin_port));
  }
  auto* v6 = reinterpret_cast<sockaddr_in6*>(&address);
  if (IN6_IS_ADDR_UNSPECIFIED(&v6->sin6_addr)) v6->sin6_addr = in6addr_loopback;
  ::inet_ntop(AF_INET6, &v6->sin6_addr, text, sizeof(text));
  return absl::StrCat("[", text, "]:", ntohs(v6->sin6_port));
}

// "exec", "attach" or "portforward": the kind of request a token is for.
const char* KindOf(const StreamRequest& request) {
  switch (request.index()) {
    case 0:
      return "exec";
    case 1:
      return "attach";
    default:
      return "portforward";
  }
}

HttpResponse NotFound() {
  HttpResponse response = HttpResponse::Empty(404);
  response.content_type = "text/plain; charset=utf-8";
  response.body = "404 page not found\n";
  return response;
}

}  // namespace

absl::StatusOr<std::unique_ptr<StreamServer>> StreamServer::Start(const std::string& address,
                                                                  const Backends* backends,
                                                                  PodSandboxes* pods,
                                                                  const TasksClient* tasks) {
  absl::StatusOr<int> fd = http::ListenTcp(address);
  if (!fd.ok()) return fd.status();
  absl::StatusOr<std::string> reached = ListeningAddress(*fd);
  if (!reached.ok()) {
    ::close(*fd);
    return reached.status();
  }
  std::unique_ptr<StreamServer> server(new StreamServer(backends, pods, tasks));
  server->base_url_ = absl::StrCat("http://", *reached);
  StreamServer* raw = server.get();
  absl::StatusOr<std::unique_ptr<http::HttpServer>> http = http::HttpServer::Start(
      *fd, [raw](const HttpRequest& request) { return raw->Handle(request); }, {});
  if (!http.ok()) return http.status();
  server->http_ = *std::move(http);
  return server;
}

absl::StatusOr<std::string> StreamServer::PodNetns(const std::string& pod_id) const {
  absl::StatusOr<PodRecord> pod = pods_->Resolve(pod_id);
  if (!pod.ok()) return pod.status();
  const auto& options = pod->config.linux().security_context().namespace_options();
  if (options.network() == runtime::v1::NODE) return std::string();
  absl::StatusOr<berth::tasks::v1::Container> holder = tasks_->Get(pod->holder_id);
  if (!holder.ok()) return holder.status();
  // Never the host's by mistake: a pod of its own network has a path.
  if (holder->netns_path().empty()) {
    return absl::FailedPreconditionError(absl::StrCat("pod ", pod_id, " has no network namespace"));
  }
  return holder->netns_path();
}

absl::StatusOr<std::string> StreamServer::UrlFor(StreamRequest request) {
  const char* kind = KindOf(request);
  absl::StatusOr<std::string> token = tokens_.Insert(std::move(request));
  if (!token.ok()) return token.status();
  return absl::StrCat(base_url_, "/", kind, "/", *token);
}

HttpResponse StreamServer::Handle(const HttpRequest& request) {
  std::string path = request.path;
  size_t slash = path.find('/', 1);
  if (slash == std::string::npos) return NotFound();
  const std::string kind = path.substr(1, slash - 1);
  const std::string token = path.substr(slash + 1);
  if (kind != "exec" && kind != "attach" && kind != "portforward") return NotFound();
  std::optional<StreamRequest> stream = tokens_.Consume(token);
  if (!stream || kind != KindOf(*stream)) return NotFound();

  streaming::HttpHeaderList headers(request.headers.begin(), request.headers.end());
  const std::vector<std::string> protocols = kind == "portforward"
                                                 ? std::vector<std::string>{streaming::kPortForwardV1}
                                                 : streaming::RemoteCommandProtocols();
  streaming::UpgradeAnswer answer = streaming::NegotiateSpdyUpgrade(headers, protocols);
  HttpResponse response = HttpResponse::Empty(answer.status);
  for (const auto& [name, value] : answer.headers) {
    // libmicrohttpd writes the Connection header of an upgrade itself.
    if (!absl::EqualsIgnoreCase(name, "Connection")) response.headers.emplace_back(name, value);
  }
  if (!answer.ok()) {
    response.content_type = "text/plain; charset=utf-8";
    response.body = answer.body;
    return response;
  }
  response.content_type = "";
  response.hijack = [this, stream = *std::move(stream), protocol = answer.protocol](
                         int fd, std::string early) { Serve(stream, protocol, fd, std::move(early)); };
  return response;
}

void StreamServer::Serve(const StreamRequest& stream, const std::string& protocol, int fd,
                         std::string early) {
  // The session owns its descriptor; the HTTP server closes its own.
  UniqueFd own(::dup(fd));
  if (!own.valid()) return;
  streaming::SpdySessionOptions options;
  options.idle_timeout = kStreamIdleTimeout;
  std::unique_ptr<streaming::SpdySession> session =
      streaming::SpdySession::Start(std::move(own), std::move(early), options);
  if (auto* exec = std::get_if<runtime::v1::ExecRequest>(&stream)) {
    ServeExec(*backends_, *session, protocol, *exec);
  } else if (auto* attach = std::get_if<runtime::v1::AttachRequest>(&stream)) {
    ServeAttach(*backends_, *session, protocol, *attach);
  } else {
    const auto& forward = std::get<runtime::v1::PortForwardRequest>(stream);
    ServePortForward(*session, forward.pod_sandbox_id(), PodNetns(forward.pod_sandbox_id()));
  }
  session->Close();
}

}  // namespace berth::cri
