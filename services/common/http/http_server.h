#ifndef BERTH_SERVICES_COMMON_HTTP_HTTP_SERVER_H_
#define BERTH_SERVICES_COMMON_HTTP_HTTP_SERVER_H_

// The Docker Engine API's transport: HTTP/1.1 on a unix socket, or TCP with
// mutual TLS (GnuTLS, terminated in front: tls_front.h), served by libmicrohttpd
// (keep-alive, chunked responses, request bodies in pieces, and the 101
// upgrade that docker's attach and exec start hijack). A handler sees a
// request (its body held whole, or for the routes that stream it, handed
// over as it arrives) and returns one of three answers: a body, a stream of
// chunks, or a hijacked connection.

#include <functional>
#include <map>
#include <memory>
#include <mutex>
#include <optional>
#include <string>
#include <vector>

#include "absl/status/statusor.h"
#include "absl/strings/ascii.h"
#include "services/common/http/tls_front.h"

struct MHD_Daemon;

namespace berth::http {

struct CaseInsensitiveLess {
  bool operator()(const std::string& a, const std::string& b) const {
    return absl::AsciiStrToLower(a) < absl::AsciiStrToLower(b);
  }
};

class BodyPipe;

struct HttpRequest {
  std::string method;
  // The path as sent, with the /vX.Y prefix still on.
  std::string path;
  std::multimap<std::string, std::string> query;
  std::map<std::string, std::string, CaseInsensitiveLess> headers;
  std::string body;
  // The body passed the server's limit: only its first part was kept.
  bool body_truncated = false;
  // The client's socket, to notice that it went away while a stream waits.
  int connection_fd = -1;
  // Who is calling: "unix" for a unix socket, else "ipv4:ADDR:PORT" /
  // "ipv6:[ADDR]:PORT" (gRPC's form, as berthd's audit log has it).
  std::string peer;
  bool remote = false;
  // TCP with mutual TLS: the verified client certificate's subject
  // ("CN=berth-admin,O=admin"); empty otherwise.
  std::string peer_subject;
  // Set for a route whose body is streamed (see HttpServerOptions).
  std::shared_ptr<BodyPipe> body_pipe;

  // The body in pieces (up to 1 MiB) as it arrives, or the held body cut in
  // pieces; false at its end. After false, BodyAborted() tells a client that
  // went away in the middle from a complete body: a handler must then
  // leave nothing made.
  bool ReadBody(std::string* chunk) const;
  bool BodyAborted() const;
  mutable size_t body_offset = 0;

  // The first value of a query parameter, or "" (docker's r.Form.Get).
  std::string Query(const std::string& key) const;
  bool HasQuery(const std::string& key) const { return query.count(key) > 0; }
  // docker's httputils.BoolValue: set and not "", "0", "no", "false", "none".
  bool QueryBool(const std::string& key) const;
  std::string Header(const std::string& name) const;
};

// A streamed body (chunked): Next blocks until it has a chunk; false ends
// the body. Cancel is called from another thread when the client left.
class BodyStream {
 public:
  virtual ~BodyStream() = default;
  virtual bool Next(std::string* chunk) = 0;
  virtual void Cancel() {}
};

// After the 101: the raw socket, and what the client sent after its request
// (stdin written before the upgrade was read). The function owns neither;
// the connection is closed when it returns.
using HijackFunction = std::function<void(int fd, std::string early_input)>;

struct HttpResponse {
  int status = 200;
  std::string content_type = "application/json";
  std::vector<std::pair<std::string, std::string>> headers;
  std::string body;
  // Set: the body is this stream (status and headers go out first).
  std::unique_ptr<BodyStream> stream;
  // Set: answer 101 and hand the connection over.
  HijackFunction hijack;

  static HttpResponse Json(int status, const std::string& body);
  static HttpResponse Empty(int status);
  // docker's error body: {"message":"..."}.
  static HttpResponse Error(int status, const std::string& message);
};

using HttpHandler = std::function<HttpResponse(const HttpRequest&)>;

struct HttpServerOptions {
  // Held request bodies larger than this are refused with 413 without
  // reaching the handler (at once when Content-Length says so).
  size_t max_body_bytes = 64 << 20;
  // Headers on every answer (docker's Api-Version, Server, Ostype...).
  std::vector<std::pair<std::string, std::string>> common_headers;
  // Mutual TLS (PEM): set for a TCP endpoint. A client must present a
  // certificate the CA signed, or the handshake fails.
  std::string tls_ca;
  std::string tls_cert;
  std::string tls_key;
  // Asked once the headers are in, before any body is read: an answer
  // refuses the request then (e.g. 403), and the body is never read.
  std::function<std::optional<HttpResponse>(const HttpRequest&)> admit;
  // True for a request whose body the handler reads as it arrives
  // (ReadBody); the handler then runs while the body comes in.
  std::function<bool(const HttpRequest&)> streams_body;
};

class HttpServer {
 public:
  // Serves on an already listening socket (taken over).
  static absl::StatusOr<std::unique_ptr<HttpServer>> Start(int listen_fd, HttpHandler handler,
                                                          HttpServerOptions options);
  ~HttpServer();
  HttpServer(const HttpServer&) = delete;
  HttpServer& operator=(const HttpServer&) = delete;

  // Internal: called by the C callbacks.
  struct Connection;
  const HttpHandler& handler() const { return handler_; }
  const HttpServerOptions& options() const { return options_; }
  bool tls() const { return !options_.tls_cert.empty(); }
  // The verified certificate subject TlsFront handed over with the
  // connection at fd, once ("" when none).
  std::string TakeSubject(int fd);

 private:
  HttpServer(HttpHandler handler, HttpServerOptions options)
      : handler_(std::move(handler)), options_(std::move(options)) {}
  HttpHandler handler_;
  HttpServerOptions options_;
  MHD_Daemon* daemon_ = nullptr;
  std::unique_ptr<TlsFront> tls_front_;
  std::mutex subjects_mu_;
  std::map<int, std::string> subjects_;
};

}  // namespace berth::http

#endif  // BERTH_SERVICES_COMMON_HTTP_HTTP_SERVER_H_
