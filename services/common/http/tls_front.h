#ifndef BERTH_SERVICES_COMMON_HTTP_TLS_FRONT_H_
#define BERTH_SERVICES_COMMON_HTTP_TLS_FRONT_H_

// The Docker API's mutual TLS, terminated in front of a plain HTTP server.
//
// libmicrohttpd 0.9.75's own TLS relays an upgraded (hijacked) connection
// through a socketpair, and when the client's TLS stream ends (close_notify,
// then a TCP half-close: the docker CLI's CloseWrite once stdin is done) it
// only stops reading: it never shuts the socketpair down, so the handler
// never sees stdin's end and `echo x | docker exec -i c cat` waits forever.
// Here each accepted TCP connection is handshaken (a client certificate the
// CA signed is required), then handed to the HTTP server as one end of a
// socketpair, and both directions are relayed with their ends carried over:
// the client's end of TLS becomes shutdown(SHUT_WR) of the socketpair, and
// the server's becomes close_notify plus a TCP half-close.

#include <sys/socket.h>

#include <functional>
#include <memory>
#include <string>
#include <thread>

#include "absl/status/statusor.h"

namespace berth::http {

struct TlsFrontOptions {
  // PEM.
  std::string ca;
  std::string cert;
  std::string key;
  // Gives the server end of a connection's socketpair to the HTTP server,
  // with the client's TCP address and verified certificate subject
  // ("CN=berth-admin,O=admin"). It owns fd from then on (closed on false).
  std::function<bool(int fd, const sockaddr* address, socklen_t length,
                     const std::string& subject)>
      hand_off;
};

class TlsFront {
 public:
  // Accepts on listen_fd (taken over) from now on.
  static absl::StatusOr<std::unique_ptr<TlsFront>> Start(int listen_fd, TlsFrontOptions options);
  // Stops accepting; relays of open connections end with them.
  ~TlsFront();
  TlsFront(const TlsFront&) = delete;
  TlsFront& operator=(const TlsFront&) = delete;

  struct Shared;

 private:
  explicit TlsFront(std::shared_ptr<Shared> shared) : shared_(std::move(shared)) {}
  std::shared_ptr<Shared> shared_;
  std::thread acceptor_;
};

}  // namespace berth::http

#endif  // BERTH_SERVICES_COMMON_HTTP_TLS_FRONT_H_
