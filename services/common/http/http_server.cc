#include "services/common/http/http_server.h"

#include <fcntl.h>
#include <sys/socket.h>
#include <sys/stat.h>
#include <sys/un.h>
#include <unistd.h>

#include <arpa/inet.h>
#include <netinet/in.h>

#include <cstring>
#include <future>
#include <optional>
#include <thread>

#include <microhttpd.h>

#include "absl/strings/ascii.h"
#include "absl/strings/match.h"
#include "absl/strings/numbers.h"
#include "absl/strings/str_cat.h"
#include "nlohmann/json.hpp"
#include "services/common/base/log.h"
#include "services/common/http/body_pipe.h"
#include "services/common/http/tls_front.h"

namespace berth::http {

std::string HttpRequest::Query(const std::string& key) const {
  auto it = query.find(key);
  return it == query.end() ? "" : it->second;
}

bool HttpRequest::QueryBool(const std::string& key) const {
  std::string value = absl::AsciiStrToLower(Query(key));
  return !(value.empty() || value == "0" || value == "no" || value == "false" || value == "none");
}

std::string HttpRequest::Header(const std::string& name) const {
  auto it = headers.find(name);
  return it == headers.end() ? "" : it->second;
}

bool HttpRequest::ReadBody(std::string* chunk) const {
  constexpr size_t kPiece = 1 << 20;
  if (body_pipe != nullptr) return body_pipe->Read(chunk, kPiece);
  if (body_offset >= body.size()) return false;
  *chunk = body.substr(body_offset, kPiece);
  body_offset += chunk->size();
  return true;
}

bool HttpRequest::BodyAborted() const { return body_pipe != nullptr && body_pipe->aborted(); }

HttpResponse HttpResponse::Json(int status, const std::string& body) {
  HttpResponse response;
  response.status = status;
  response.body = body;
  return response;
}

HttpResponse HttpResponse::Empty(int status) {
  HttpResponse response;
  response.status = status;
  response.content_type.clear();
  return response;
}

HttpResponse HttpResponse::Error(int status, const std::string& message) {
  return Json(status, nlohmann::json{{"message", message}}.dump() + "\n");
}

// One request's state across libmicrohttpd's calls: created on the first
// (headers), fed the body, answered on the last.
struct HttpServer::Connection {
  HttpRequest request;
  // An answer made before the body was read (refused, too large).
  bool answered = false;
  // A refusal of a request with a body, held while the body is read and
  // dropped: a client still sending (docker build's context) would see a
  // broken pipe instead of the answer. Go's server does the same.
  std::optional<HttpResponse> refusal;
  size_t discarded = 0;
  // A streamed body: the handler runs on its own thread meanwhile.
  std::thread worker;
  std::future<HttpResponse> answer;

  ~Connection() {
    if (worker.joinable()) {
      // The request ended before its body did: the handler sees the abort.
      request.body_pipe->Abort();
      worker.join();
    }
  }
};

namespace {

struct StreamState {
  std::unique_ptr<BodyStream> stream;
  std::string pending;
  size_t offset = 0;
};

ssize_t ReadStream(void* cls, uint64_t, char* buffer, size_t max) {
  auto* state = static_cast<StreamState*>(cls);
  while (state->offset >= state->pending.size()) {
    state->pending.clear();
    state->offset = 0;
    if (!state->stream->Next(&state->pending)) return MHD_CONTENT_READER_END_OF_STREAM;
  }
  size_t n = std::min(max, state->pending.size() - state->offset);
  std::memcpy(buffer, state->pending.data() + state->offset, n);
  state->offset += n;
  return static_cast<ssize_t>(n);
}

void FreeStream(void* cls) {
  auto* state = static_cast<StreamState*>(cls);
  state->stream->Cancel();
  delete state;
}

struct HijackState {
  HijackFunction function;
};

// The connection is ours now: the hijack runs on its own thread (the
// connection's thread returns to libmicrohttpd), which closes it at the end.
void OnUpgrade(void* cls, MHD_Connection*, void*, const char* extra_in, size_t extra_in_size,
               MHD_socket sock, MHD_UpgradeResponseHandle* handle) {
  auto* state = static_cast<HijackState*>(cls);
  HijackFunction function = std::move(state->function);
  delete state;
  std::string early(extra_in == nullptr ? "" : std::string(extra_in, extra_in_size));
  std::thread([function = std::move(function), sock, handle, early = std::move(early)] {
    int flags = ::fcntl(sock, F_GETFL);
    if (flags >= 0) ::fcntl(sock, F_SETFL, flags & ~O_NONBLOCK);
    function(sock, early);
    MHD_upgrade_action(handle, MHD_UPGRADE_ACTION_CLOSE);
  }).detach();
}

MHD_Result AddPair(void* cls, MHD_ValueKind, const char* key, const char* value) {
  auto* map = static_cast<std::multimap<std::string, std::string>*>(cls);
  map->emplace(key == nullptr ? "" : key, value == nullptr ? "" : value);
  return MHD_YES;
}

MHD_Result AddHeader(void* cls, MHD_ValueKind, const char* key, const char* value) {
  auto* request = static_cast<HttpRequest*>(cls);
  if (key == nullptr) return MHD_YES;
  // A header sent more than once is one list (RFC 9110 5.3): kubectl
  // offers each X-Stream-Protocol-Version in a header of its own.
  auto [it, inserted] = request->headers.emplace(key, value == nullptr ? "" : value);
  if (!inserted && value != nullptr) absl::StrAppend(&it->second, ", ", value);
  return MHD_YES;
}

MHD_Result Answer(MHD_Connection* connection, HttpResponse answer,
                  const HttpServerOptions& options) {
  MHD_Response* response = nullptr;
  int status = answer.status;
  if (answer.hijack) {
    response = MHD_create_response_for_upgrade(&OnUpgrade, new HijackState{std::move(answer.hijack)});
    status = MHD_HTTP_SWITCHING_PROTOCOLS;
    // docker's hijack upgrades to "tcp"; a WebSocket names its own.
    bool named = false;
    for (const auto& header : answer.headers) {
      named = named || absl::EqualsIgnoreCase(header.first, MHD_HTTP_HEADER_UPGRADE);
    }
    if (!named) MHD_add_response_header(response, MHD_HTTP_HEADER_UPGRADE, "tcp");
  } else if (answer.stream) {
    auto* state = new StreamState;
    state->stream = std::move(answer.stream);
    response = MHD_create_response_from_callback(MHD_SIZE_UNKNOWN, 32 * 1024, &ReadStream, state,
                                                 &FreeStream);
  } else {
    response = MHD_create_response_from_buffer(answer.body.size(), answer.body.data(),
                                               MHD_RESPMEM_MUST_COPY);
  }
  if (response == nullptr) return MHD_NO;
  for (const auto& [name, value] : options.common_headers) {
    MHD_add_response_header(response, name.c_str(), value.c_str());
  }
  if (!answer.content_type.empty()) {
    MHD_add_response_header(response, MHD_HTTP_HEADER_CONTENT_TYPE, answer.content_type.c_str());
  }
  for (const auto& [name, value] : answer.headers) {
    MHD_add_response_header(response, name.c_str(), value.c_str());
  }
  MHD_Result queued = MHD_queue_response(connection, static_cast<unsigned>(status), response);
  MHD_destroy_response(response);
  return queued;
}

HttpResponse CallHandler(const HttpServer& server, const HttpRequest& request) {
  try {
    return server.handler()(request);
  } catch (const std::exception& e) {
    // A handler bug must not take the daemon down with it.
    BERTH_LOG(Error) << "docker api: " << request.method << " " << request.path << ": "
                     << e.what();
    return HttpResponse::Error(500, e.what());
  }
}

std::string PeerOf(MHD_Connection* connection) {
  const MHD_ConnectionInfo* info =
      MHD_get_connection_info(connection, MHD_CONNECTION_INFO_CLIENT_ADDRESS);
  if (info == nullptr || info->client_addr == nullptr) return "unix";
  char text[INET6_ADDRSTRLEN] = {};
  const sockaddr* address = info->client_addr;
  if (address->sa_family == AF_INET) {
    const auto* in = reinterpret_cast<const sockaddr_in*>(address);
    ::inet_ntop(AF_INET, &in->sin_addr, text, sizeof(text));
    return absl::StrCat("ipv4:", text, ":", ntohs(in->sin_port));
  }
  if (address->sa_family == AF_INET6) {
    const auto* in6 = reinterpret_cast<const sockaddr_in6*>(address);
    ::inet_ntop(AF_INET6, &in6->sin6_addr, text, sizeof(text));
    return absl::StrCat("ipv6:[", text, "]:", ntohs(in6->sin6_port));
  }
  return "unix";
}

// Over TLS, the verified subject of each connection: TlsFront hands it over
// with the socket, it moves to the connection's context when libmicrohttpd
// starts serving it, and is freed when it closes.
void OnConnection(void* cls, MHD_Connection* connection, void** socket_context,
                  MHD_ConnectionNotificationCode code) {
  auto* server = static_cast<HttpServer*>(cls);
  if (!server->tls()) return;
  if (code == MHD_CONNECTION_NOTIFY_CLOSED) {
    delete static_cast<std::string*>(*socket_context);
    *socket_context = nullptr;
    return;
  }
  const MHD_ConnectionInfo* info =
      MHD_get_connection_info(connection, MHD_CONNECTION_INFO_CONNECTION_FD);
  if (info == nullptr) return;
  *socket_context = new std::string(server->TakeSubject(info->connect_fd));
}

std::string SubjectOf(MHD_Connection* connection) {
  const MHD_ConnectionInfo* info =
      MHD_get_connection_info(connection, MHD_CONNECTION_INFO_SOCKET_CONTEXT);
  if (info == nullptr || info->socket_context == nullptr) return "";
  return *static_cast<const std::string*>(info->socket_context);
}

std::optional<size_t> ContentLength(const HttpRequest& request) {
  std::string value = request.Header("Content-Length");
  size_t length = 0;
  if (value.empty() || !absl::SimpleAtoi(value, &length)) return std::nullopt;
  return length;
}

MHD_Result OnRequest(void* cls, MHD_Connection* connection, const char* url, const char* method,
                     const char*, const char* upload_data, size_t* upload_data_size,
                     void** context) {
  auto* server = static_cast<HttpServer*>(cls);
  const HttpServerOptions& options = server->options();
  auto* state = static_cast<HttpServer::Connection*>(*context);
  if (state == nullptr) {
    state = new HttpServer::Connection;
    *context = state;
    HttpRequest& request = state->request;
    request.method = method;
    request.path = url;
    MHD_get_connection_values(connection, MHD_HEADER_KIND, &AddHeader, &request);
    MHD_get_connection_values(connection, MHD_GET_ARGUMENT_KIND, &AddPair, &request.query);
    if (const MHD_ConnectionInfo* info =
            MHD_get_connection_info(connection, MHD_CONNECTION_INFO_CONNECTION_FD)) {
      request.connection_fd = info->connect_fd;
    }
    request.peer = PeerOf(connection);
    request.remote = request.peer != "unix";
    if (server->tls()) {
      request.peer_subject = SubjectOf(connection);
      // The handshake already required it; never serve a TLS client without.
      if (request.peer_subject.empty()) return MHD_NO;
    }
    // Answers made now go out before the body, which is not kept; one
    // that has a body is read (up to a limit) and dropped first.
    if (options.admit) {
      if (std::optional<HttpResponse> refused = options.admit(request)) {
        std::optional<size_t> length = ContentLength(request);
        bool has_body = (length && *length > 0) ||
                        absl::AsciiStrToLower(request.Header("Transfer-Encoding")) == "chunked";
        if (has_body) {
          state->refusal = std::move(refused);
          return MHD_YES;
        }
        state->answered = true;
        return Answer(connection, *std::move(refused), options);
      }
    }
    if (options.streams_body && options.streams_body(request)) {
      request.body_pipe = std::make_shared<BodyPipe>();
      std::promise<HttpResponse> promise;
      state->answer = promise.get_future();
      state->worker = std::thread([server, state, promise = std::move(promise)]() mutable {
        HttpResponse answer = CallHandler(*server, state->request);
        state->request.body_pipe->CloseReader();
        promise.set_value(std::move(answer));
      });
      return MHD_YES;
    }
    std::optional<size_t> length = ContentLength(request);
    if (length && *length > options.max_body_bytes) {
      state->answered = true;
      return Answer(connection, HttpResponse::Error(413, "request body too large"), options);
    }
    if (length) request.body.reserve(*length);
    return MHD_YES;
  }
  HttpRequest& request = state->request;
  if (state->refusal) {
    // Past the limit the answer goes now and the connection closes.
    constexpr size_t kDiscardLimit = 1 << 20;
    state->discarded += *upload_data_size;
    bool done = *upload_data_size == 0 || state->discarded > kDiscardLimit;
    *upload_data_size = 0;
    if (!done || state->answered) return MHD_YES;
    state->answered = true;
    return Answer(connection, *std::move(state->refusal), options);
  }
  if (*upload_data_size > 0) {
    if (request.body_pipe != nullptr) {
      request.body_pipe->Push(upload_data, *upload_data_size);
    } else if (!request.body_truncated) {
      // A chunked body that outgrows the limit: the rest is read and dropped.
      if (request.body.size() + *upload_data_size > options.max_body_bytes) {
        request.body_truncated = true;
        std::string().swap(request.body);
      } else {
        request.body.append(upload_data, *upload_data_size);
      }
    }
    *upload_data_size = 0;
    return MHD_YES;
  }
  if (state->answered) return MHD_YES;
  HttpResponse answer;
  if (request.body_pipe != nullptr) {
    request.body_pipe->Finish();
    answer = state->answer.get();
    state->worker.join();
  } else if (request.body_truncated) {
    answer = HttpResponse::Error(413, "request body too large");
  } else {
    answer = CallHandler(*server, request);
  }
  state->answered = true;
  return Answer(connection, std::move(answer), options);
}

void OnCompleted(void*, MHD_Connection*, void** context, MHD_RequestTerminationCode) {
  delete static_cast<HttpServer::Connection*>(*context);
  *context = nullptr;
}

void LogFromLibrary(void*, const char* format, va_list arguments) {
  char line[512];
  std::vsnprintf(line, sizeof(line), format, arguments);
  std::string text(line);
  while (!text.empty() && text.back() == '\n') text.pop_back();
  BERTH_LOG(Debug) << "docker api http: " << text;
}

}  // namespace

absl::StatusOr<std::unique_ptr<HttpServer>> HttpServer::Start(int listen_fd, HttpHandler handler,
                                                             HttpServerOptions options) {
  std::unique_ptr<HttpServer> server(new HttpServer(std::move(handler), std::move(options)));
  // A thread per connection: handlers block on gRPC calls and streams
  // (wait, logs -f, events) without holding up other clients.
  unsigned flags = MHD_USE_THREAD_PER_CONNECTION | MHD_USE_POLL_INTERNAL_THREAD |
                   MHD_ALLOW_UPGRADE | MHD_USE_ERROR_LOG | MHD_USE_ITC;
  // TLS is terminated in front (see tls_front.h): libmicrohttpd serves the
  // plain side of each connection, handed over as it is accepted.
  std::vector<MHD_OptionItem> listen;
  if (server->tls()) {
    flags |= MHD_USE_NO_LISTEN_SOCKET;
  } else {
    listen.push_back({MHD_OPTION_LISTEN_SOCKET, listen_fd, nullptr});
  }
  listen.push_back({MHD_OPTION_END, 0, nullptr});
  server->daemon_ = MHD_start_daemon(
      flags, 0, nullptr, nullptr, &OnRequest, server.get(), MHD_OPTION_NOTIFY_COMPLETED,
      &OnCompleted, nullptr, MHD_OPTION_NOTIFY_CONNECTION, &OnConnection, server.get(),
      MHD_OPTION_EXTERNAL_LOGGER, &LogFromLibrary, nullptr, MHD_OPTION_CONNECTION_TIMEOUT, 0u,
      // Bodies arrive in larger pieces (fewer handler calls for a load).
      MHD_OPTION_CONNECTION_MEMORY_LIMIT, size_t{256} << 10, MHD_OPTION_ARRAY, listen.data(),
      MHD_OPTION_END);
  if (server->daemon_ == nullptr) {
    ::close(listen_fd);
    return absl::InternalError("the HTTP server did not start");
  }
  if (server->tls()) {
    HttpServer* raw = server.get();
    TlsFrontOptions tls;
    tls.ca = raw->options_.tls_ca;
    tls.cert = raw->options_.tls_cert;
    tls.key = raw->options_.tls_key;
    tls.hand_off = [raw](int fd, const sockaddr* address, socklen_t length,
                         const std::string& subject) {
      {
        std::lock_guard<std::mutex> lock(raw->subjects_mu_);
        raw->subjects_[fd] = subject;
      }
      if (MHD_add_connection(raw->daemon_, fd, address, length) == MHD_YES) return true;
      raw->TakeSubject(fd);  // libmicrohttpd closed fd
      return false;
    };
    absl::StatusOr<std::unique_ptr<TlsFront>> front = TlsFront::Start(listen_fd, std::move(tls));
    if (!front.ok()) return front.status();
    server->tls_front_ = *std::move(front);
  }
  return server;
}

std::string HttpServer::TakeSubject(int fd) {
  std::lock_guard<std::mutex> lock(subjects_mu_);
  auto it = subjects_.find(fd);
  if (it == subjects_.end()) return "";
  std::string subject = std::move(it->second);
  subjects_.erase(it);
  return subject;
}

HttpServer::~HttpServer() {
  // No connection is handed over to a daemon being stopped.
  tls_front_.reset();
  if (daemon_ != nullptr) MHD_stop_daemon(daemon_);
}

}  // namespace berth::http
