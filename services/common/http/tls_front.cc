#include "services/common/http/tls_front.h"

#include <netinet/in.h>
#include <poll.h>
#include <sys/socket.h>
#include <unistd.h>

#include <cerrno>
#include <cstring>
#include <mutex>

#include <gnutls/gnutls.h>
#include <gnutls/x509.h>

#include "absl/strings/str_cat.h"
#include "services/common/base/log.h"
#include "services/common/base/unique_fd.h"
#include "services/common/base/write_all.h"

namespace berth::http {

struct TlsFront::Shared {
  TlsFrontOptions options;
  gnutls_certificate_credentials_t credentials = nullptr;
  UniqueFd listen_fd;
  // Held while handing a connection off, so none is handed to a server
  // that is being stopped.
  std::mutex mu;
  bool stopped = false;

  ~Shared() {
    if (credentials != nullptr) gnutls_certificate_free_credentials(credentials);
  }
};

namespace {

// A handshake that never completes must not hold its thread forever.
constexpr unsigned kHandshakeTimeoutMs = 30000;

class Session {
 public:
  Session() = default;
  ~Session() {
    if (session_ != nullptr) gnutls_deinit(session_);
  }
  Session(const Session&) = delete;
  Session& operator=(const Session&) = delete;
  gnutls_session_t* out() { return &session_; }
  gnutls_session_t get() const { return session_; }

 private:
  gnutls_session_t session_ = nullptr;
};

// The subject of the client certificate the handshake verified, or "" when
// there is none that the CA signed.
std::string VerifiedSubject(gnutls_session_t session) {
  unsigned status = 0;
  if (gnutls_certificate_verify_peers2(session, &status) != GNUTLS_E_SUCCESS || status != 0) {
    return "";
  }
  unsigned count = 0;
  const gnutls_datum_t* chain = gnutls_certificate_get_peers(session, &count);
  if (chain == nullptr || count == 0) return "";
  gnutls_x509_crt_t certificate;
  if (gnutls_x509_crt_init(&certificate) != GNUTLS_E_SUCCESS) return "";
  std::string subject;
  gnutls_datum_t dn{};
  if (gnutls_x509_crt_import(certificate, &chain[0], GNUTLS_X509_FMT_DER) == GNUTLS_E_SUCCESS &&
      // RFC 4514 order ("CN=berth-admin,O=admin"), as berthd's gRPC has it.
      gnutls_x509_crt_get_dn3(certificate, &dn, 0) == GNUTLS_E_SUCCESS) {
    subject.assign(reinterpret_cast<const char*>(dn.data), dn.size);
    gnutls_free(dn.data);
  }
  gnutls_x509_crt_deinit(certificate);
  return subject;
}

// Client to server: TLS records into the socketpair; the client's end of
// TLS (close_notify, a TCP end, an error) shuts the socketpair's writing
// side, which the HTTP server reads as the client's half-close.
void RelayIn(gnutls_session_t session, int pair) {
  char buffer[16 * 1024];
  while (true) {
    ssize_t n = gnutls_record_recv(session, buffer, sizeof(buffer));
    if (n == GNUTLS_E_AGAIN || n == GNUTLS_E_INTERRUPTED) continue;
    if (n <= 0) break;
    if (!WriteAll(pair, std::string_view(buffer, static_cast<size_t>(n)), "to MHD").ok()) break;
  }
  ::shutdown(pair, SHUT_WR);
}

// Server to client: the socketpair's bytes as TLS records; its end (the
// server closed or half-closed the connection) becomes close_notify and a
// TCP half-close. Returns when the server side has closed entirely.
void RelayOut(gnutls_session_t session, int tcp, int pair) {
  char buffer[16 * 1024];
  bool client_gone = false;
  while (!client_gone) {
    ssize_t n = ::read(pair, buffer, sizeof(buffer));
    if (n < 0 && errno == EINTR) continue;
    if (n <= 0) break;
    for (ssize_t sent = 0; sent < n;) {
      ssize_t m = gnutls_record_send(session, buffer + sent, static_cast<size_t>(n - sent));
      if (m == GNUTLS_E_AGAIN || m == GNUTLS_E_INTERRUPTED) continue;
      if (m <= 0) {
        client_gone = true;
        break;
      }
      sent += m;
    }
  }
  if (!client_gone) {
    gnutls_bye(session, GNUTLS_SHUT_WR);
    ::shutdown(tcp, SHUT_WR);
    // The server may still read (it answered a half-close): wait until
    // both directions are done (POLLHUP: it closed, or the client's side
    // ended too).
    pollfd entry{pair, 0, 0};
    while (::poll(&entry, 1, -1) < 0 && errno == EINTR) {
    }
  }
  // Wakes RelayIn if the client still holds its side open.
  ::shutdown(tcp, SHUT_RDWR);
}

void Serve(std::shared_ptr<TlsFront::Shared> shared, UniqueFd tcp, sockaddr_storage address,
           socklen_t length) {
  Session session;
  if (gnutls_init(session.out(), GNUTLS_SERVER | GNUTLS_NO_SIGNAL) != GNUTLS_E_SUCCESS) return;
  gnutls_set_default_priority(session.get());
  gnutls_credentials_set(session.get(), GNUTLS_CRD_CERTIFICATE, shared->credentials);
  // A client certificate is required and checked against the CA during the
  // handshake: a client without one, or with another CA's, fails it.
  gnutls_certificate_server_set_request(session.get(), GNUTLS_CERT_REQUIRE);
  gnutls_session_set_verify_cert(session.get(), nullptr, 0);
  gnutls_transport_set_int(session.get(), tcp.get());
  gnutls_handshake_set_timeout(session.get(), kHandshakeTimeoutMs);
  int status;
  do {
    status = gnutls_handshake(session.get());
  } while (status < 0 && gnutls_error_is_fatal(status) == 0);
  if (status < 0) {
    BERTH_LOG(Debug) << "docker api: TLS handshake failed: " << gnutls_strerror(status);
    return;
  }
  std::string subject = VerifiedSubject(session.get());
  if (subject.empty()) return;  // the handshake already required one
  int pair[2];
  if (::socketpair(AF_UNIX, SOCK_STREAM | SOCK_CLOEXEC, 0, pair) != 0) {
    BERTH_LOG(Error) << "docker api: socketpair: " << std::strerror(errno);
    return;
  }
  UniqueFd ours(pair[0]);
  {
    std::lock_guard<std::mutex> lock(shared->mu);
    if (shared->stopped ||
        !shared->options.hand_off(pair[1], reinterpret_cast<const sockaddr*>(&address), length,
                                  subject)) {
      return;
    }
  }
  std::thread in(RelayIn, session.get(), ours.get());
  RelayOut(session.get(), tcp.get(), ours.get());
  in.join();
}

}  // namespace

absl::StatusOr<std::unique_ptr<TlsFront>> TlsFront::Start(int listen_fd, TlsFrontOptions options) {
  auto shared = std::make_shared<Shared>();
  shared->listen_fd.Reset(listen_fd);
  shared->options = std::move(options);
  const TlsFrontOptions& o = shared->options;
  if (gnutls_certificate_allocate_credentials(&shared->credentials) != GNUTLS_E_SUCCESS) {
    return absl::InternalError("docker api: TLS credentials");
  }
  auto datum = [](const std::string& text) {
    return gnutls_datum_t{reinterpret_cast<unsigned char*>(const_cast<char*>(text.data())),
                          static_cast<unsigned>(text.size())};
  };
  gnutls_datum_t cert = datum(o.cert), key = datum(o.key), ca = datum(o.ca);
  if (int rc = gnutls_certificate_set_x509_key_mem(shared->credentials, &cert, &key,
                                                   GNUTLS_X509_FMT_PEM);
      rc < 0) {
    return absl::InvalidArgumentError(
        absl::StrCat("docker api: TLS certificate and key: ", gnutls_strerror(rc)));
  }
  if (int rc = gnutls_certificate_set_x509_trust_mem(shared->credentials, &ca,
                                                     GNUTLS_X509_FMT_PEM);
      rc <= 0) {
    return absl::InvalidArgumentError(absl::StrCat(
        "docker api: TLS CA certificate: ", rc < 0 ? gnutls_strerror(rc) : "no certificate"));
  }
  std::unique_ptr<TlsFront> front(new TlsFront(shared));
  front->acceptor_ = std::thread([shared] {
    while (true) {
      sockaddr_storage address{};
      socklen_t length = sizeof(address);
      int fd = ::accept4(shared->listen_fd.get(), reinterpret_cast<sockaddr*>(&address), &length,
                         SOCK_CLOEXEC);
      if (fd < 0) {
        if (errno == EINTR || errno == ECONNABORTED || errno == EMFILE || errno == ENFILE) {
          if (errno == EMFILE || errno == ENFILE) ::usleep(100 * 1000);
          continue;
        }
        {
          std::lock_guard<std::mutex> lock(shared->mu);
          if (shared->stopped) return;
        }
        BERTH_LOG(Error) << "docker api: accept: " << std::strerror(errno);
        ::usleep(100 * 1000);
        continue;
      }
      // A thread per connection, as the HTTP server has: the handshake
      // and the relay block.
      std::thread(Serve, shared, UniqueFd(fd), address, length).detach();
    }
  });
  return front;
}

TlsFront::~TlsFront() {
  {
    std::lock_guard<std::mutex> lock(shared_->mu);
    shared_->stopped = true;
  }
  // Wakes the blocked accept().
  ::shutdown(shared_->listen_fd.get(), SHUT_RDWR);
  if (acceptor_.joinable()) acceptor_.join();
}

}  // namespace berth::http
