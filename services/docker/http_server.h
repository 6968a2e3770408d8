#ifndef BERTH_SERVICES_DOCKER_HTTP_SERVER_H_
#define BERTH_SERVICES_DOCKER_HTTP_SERVER_H_

// The Docker Engine API's transport: HTTP/1.1 on a unix socket, served by
// libmicrohttpd (keep-alive, chunked responses, request bodies in pieces,
// and the 101 upgrade that docker's attach and exec start hijack). A
// handler sees a whole request and returns one of three answers: a body,
// a stream of chunks, or a hijacked connection.

#include <functional>
#include <map>
#include <memory>
#include <optional>
#include <string>
#include <vector>

#include "absl/status/statusor.h"
#include "absl/strings/ascii.h"

struct MHD_Daemon;

namespace berth::docker {

struct CaseInsensitiveLess {
  bool operator()(const std::string& a, const std::string& b) const {
    return absl::AsciiStrToLower(a) < absl::AsciiStrToLower(b);
  }
};

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
  // Request bodies larger than this are cut (the handler sees
  // body_truncated and refuses them).
  size_t max_body_bytes = 64 << 20;
  // Headers on every answer (docker's Api-Version, Server, Ostype...).
  std::vector<std::pair<std::string, std::string>> common_headers;
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

 private:
  HttpServer(HttpHandler handler, HttpServerOptions options)
      : handler_(std::move(handler)), options_(std::move(options)) {}
  HttpHandler handler_;
  HttpServerOptions options_;
  MHD_Daemon* daemon_ = nullptr;
};

// A unix socket listening at path, mode 0660, group `group` when it exists
// (an existing socket file is replaced).
absl::StatusOr<int> ListenUnix(const std::string& path, const std::vector<std::string>& groups);

}  // namespace berth::docker

#endif  // BERTH_SERVICES_DOCKER_HTTP_SERVER_H_
