#include "services/cri/port_forward_server.h"

#include <arpa/inet.h>
#include <fcntl.h>
#include <netinet/in.h>
#include <poll.h>
#include <sched.h>
#include <sys/socket.h>
#include <unistd.h>

#include <atomic>
#include <cerrno>
#include <cstring>
#include <thread>
#include <vector>

#include "absl/strings/str_cat.h"
#include "absl/time/clock.h"
#include "services/common/base/unique_fd.h"
#include "services/common/base/write_all.h"
#include "services/cri/streaming/port_forward_pairs.h"

namespace berth::cri {
namespace {

using streaming::PortForwardPair;
using streaming::SpdySession;

absl::StatusOr<UniqueFd> ConnectLoopback(int family, int port) {
  UniqueFd fd(::socket(family, SOCK_STREAM | SOCK_CLOEXEC, 0));
  if (!fd.valid()) return absl::ErrnoToStatus(errno, "socket");
  sockaddr_storage address{};
  socklen_t length = 0;
  if (family == AF_INET) {
    auto* v4 = reinterpret_cast<sockaddr_in*>(&address);
    v4->sin_family = AF_INET;
    v4->sin_port = htons(static_cast<uint16_t>(port));
    v4->sin_addr.s_addr = htonl(INADDR_LOOPBACK);
    length = sizeof(*v4);
  } else {
    auto* v6 = reinterpret_cast<sockaddr_in6*>(&address);
    v6->sin6_family = AF_INET6;
    v6->sin6_port = htons(static_cast<uint16_t>(port));
    v6->sin6_addr = in6addr_loopback;
    length = sizeof(*v6);
  }
  if (::connect(fd.get(), reinterpret_cast<sockaddr*>(&address), length) != 0) {
    return absl::ErrnoToStatus(errno, "dial");
  }
  return fd;
}

// localhost:port in the pod's network namespace, IPv4 first then IPv6 as
// containerd dials it. The socket is made on a thread of its own that
// enters the namespace and then ends; the socket stays in the namespace.
absl::StatusOr<UniqueFd> DialInPod(const std::string& netns_path, int port) {
  absl::StatusOr<UniqueFd> result = absl::InternalError("port-forward: no dial");
  std::thread([&] {
    if (!netns_path.empty()) {
      UniqueFd netns(::open(netns_path.c_str(), O_RDONLY | O_CLOEXEC));
      if (!netns.valid() || ::setns(netns.get(), CLONE_NEWNET) != 0) {
        result = absl::ErrnoToStatus(errno, absl::StrCat("enter network namespace ", netns_path));
        return;
      }
    }
    absl::StatusOr<UniqueFd> v4 = ConnectLoopback(AF_INET, port);
    if (v4.ok()) {
      result = std::move(v4);
      return;
    }
    absl::StatusOr<UniqueFd> v6 = ConnectLoopback(AF_INET6, port);
    if (v6.ok()) {
      result = std::move(v6);
      return;
    }
    result = absl::UnavailableError(absl::StrCat(
        "failed to connect to localhost:", port, " inside namespace \"", netns_path,
        "\", IPv4: ", v4.status().message(), " IPv6 ", v6.status().message(), " "));
  }).join();
  return result;
}

// The client's bytes to the socket; its FIN as the socket's half-close.
void CopyToSocket(streaming::SpdyStream& data, int fd) {
  while (true) {
    absl::StatusOr<std::string> chunk = data.Read();
    if (!chunk.ok()) {
      ::shutdown(fd, SHUT_RDWR);
      return;
    }
    if (chunk->empty()) {
      ::shutdown(fd, SHUT_WR);
      return;
    }
    if (!WriteAll(fd, *chunk, "port-forward").ok()) return;
  }
}

// The socket's bytes to the client until the socket ends or the session
// does.
void CopyToClient(const SpdySession& session, int fd, streaming::SpdyStream& data) {
  char buffer[32 << 10];
  while (true) {
    pollfd waiting{fd, POLLIN, 0};
    int ready = ::poll(&waiting, 1, 200);
    if (ready < 0 && errno == EINTR) continue;
    if (ready == 0) {
      if (session.ended()) return;
      continue;
    }
    ssize_t n = ::read(fd, buffer, sizeof(buffer));
    if (n < 0 && errno == EINTR) continue;
    if (n <= 0) return;
    if (!data.Write(std::string_view(buffer, static_cast<size_t>(n))).ok()) return;
  }
}

void Forward(const SpdySession& session, const PortForwardPair& pair, const std::string& pod_id,
             const absl::StatusOr<std::string>& netns_path) {
  absl::StatusOr<UniqueFd> fd =
      netns_path.ok() ? DialInPod(*netns_path, pair.port) : absl::StatusOr<UniqueFd>(netns_path.status());
  if (!fd.ok()) {
    // The kubelet's words, which kubectl prints.
    pair.error->Write(absl::StrCat("error forwarding port ", pair.port, " to pod ", pod_id,
                                   ", uid : ", fd.status().message()))
        .IgnoreError();
    pair.error->CloseWrite().IgnoreError();
    pair.data->CloseWrite().IgnoreError();
    return;
  }
  std::atomic<bool> client_done{false};
  std::thread in([&] {
    CopyToSocket(*pair.data, fd->get());
    client_done = true;
  });
  CopyToClient(session, fd->get(), *pair.data);
  pair.data->CloseWrite().IgnoreError();
  pair.error->CloseWrite().IgnoreError();
  // As containerd: once one direction is over, the other has a second to
  // end by itself before the stream is cut.
  for (int i = 0; i < 100 && !client_done; ++i) absl::SleepFor(absl::Milliseconds(10));
  if (!client_done) pair.data->Reset();
  in.join();
}

}  // namespace

void ServePortForward(SpdySession& session, const std::string& pod_id,
                      const absl::StatusOr<std::string>& netns_path) {
  streaming::PortForwardPairs pairs(session);
  std::vector<std::thread> forwards;
  while (true) {
    absl::StatusOr<PortForwardPair> pair = pairs.Next(absl::Seconds(1));
    if (absl::IsDeadlineExceeded(pair.status())) continue;
    if (!pair.ok()) break;
    forwards.emplace_back([&session, pair = *std::move(pair), pod_id, netns_path] {
      Forward(session, pair, pod_id, netns_path);
    });
  }
  for (std::thread& forward : forwards) forward.join();
}

}  // namespace berth::cri
