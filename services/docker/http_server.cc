#include "services/docker/http_server.h"

#include <fcntl.h>
#include <grp.h>
#include <sys/socket.h>
#include <sys/stat.h>
#include <sys/un.h>
#include <unistd.h>

#include <cstring>
#include <thread>

#include <microhttpd.h>

#include "absl/strings/str_cat.h"
#include "nlohmann/json.hpp"
#include "services/common/base/log.h"

namespace berth::docker {

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
  if (key != nullptr) request->headers[key] = value == nullptr ? "" : value;
  return MHD_YES;
}

MHD_Result Answer(MHD_Connection* connection, HttpResponse answer,
                  const HttpServerOptions& options) {
  MHD_Response* response = nullptr;
  int status = answer.status;
  if (answer.hijack) {
    response = MHD_create_response_for_upgrade(&OnUpgrade, new HijackState{std::move(answer.hijack)});
    status = MHD_HTTP_SWITCHING_PROTOCOLS;
    MHD_add_response_header(response, MHD_HTTP_HEADER_UPGRADE, "tcp");
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

MHD_Result OnRequest(void* cls, MHD_Connection* connection, const char* url, const char* method,
                     const char*, const char* upload_data, size_t* upload_data_size,
                     void** context) {
  auto* server = static_cast<HttpServer*>(cls);
  auto* state = static_cast<HttpServer::Connection*>(*context);
  if (state == nullptr) {
    state = new HttpServer::Connection;
    state->request.method = method;
    state->request.path = url;
    MHD_get_connection_values(connection, MHD_HEADER_KIND, &AddHeader, &state->request);
    MHD_get_connection_values(connection, MHD_GET_ARGUMENT_KIND, &AddPair, &state->request.query);
    if (const MHD_ConnectionInfo* info =
            MHD_get_connection_info(connection, MHD_CONNECTION_INFO_CONNECTION_FD)) {
      state->request.connection_fd = info->connect_fd;
    }
    *context = state;
    return MHD_YES;
  }
  if (*upload_data_size > 0) {
    HttpRequest& request = state->request;
    size_t room = server->options().max_body_bytes - std::min(server->options().max_body_bytes,
                                                               request.body.size());
    if (*upload_data_size > room) request.body_truncated = true;
    request.body.append(upload_data, std::min(room, *upload_data_size));
    *upload_data_size = 0;
    return MHD_YES;
  }
  HttpResponse answer;
  try {
    answer = server->handler()(state->request);
  } catch (const std::exception& e) {
    // A handler bug must not take the daemon down with it.
    BERTH_LOG(Error) << "docker api: " << state->request.method << " " << state->request.path
                      << ": " << e.what();
    answer = HttpResponse::Error(500, e.what());
  }
  return Answer(connection, std::move(answer), server->options());
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
  server->daemon_ = MHD_start_daemon(
      flags, 0, nullptr, nullptr, &OnRequest, server.get(), MHD_OPTION_LISTEN_SOCKET, listen_fd,
      MHD_OPTION_NOTIFY_COMPLETED, &OnCompleted, nullptr, MHD_OPTION_EXTERNAL_LOGGER,
      &LogFromLibrary, nullptr, MHD_OPTION_CONNECTION_TIMEOUT, 0u, MHD_OPTION_END);
  if (server->daemon_ == nullptr) {
    ::close(listen_fd);
    return absl::InternalError("docker api: the HTTP server did not start");
  }
  return server;
}

HttpServer::~HttpServer() {
  if (daemon_ != nullptr) MHD_stop_daemon(daemon_);
}

absl::StatusOr<int> ListenUnix(const std::string& path, const std::vector<std::string>& groups) {
  sockaddr_un address{};
  address.sun_family = AF_UNIX;
  if (path.size() >= sizeof(address.sun_path)) {
    return absl::InvalidArgumentError(absl::StrCat("socket path too long: ", path));
  }
  std::memcpy(address.sun_path, path.c_str(), path.size() + 1);
  int fd = ::socket(AF_UNIX, SOCK_STREAM | SOCK_CLOEXEC, 0);
  if (fd < 0) return absl::ErrnoToStatus(errno, "socket");
  ::unlink(path.c_str());
  if (::bind(fd, reinterpret_cast<sockaddr*>(&address), sizeof(address)) != 0 ||
      ::chmod(path.c_str(), 0660) != 0 || ::listen(fd, 128) != 0) {
    int saved = errno;
    ::close(fd);
    return absl::ErrnoToStatus(saved, absl::StrCat("listen on ", path));
  }
  // As dockerd: the socket's group may use the API (it is root's power).
  for (const std::string& name : groups) {
    if (const group* entry = ::getgrnam(name.c_str())) {
      if (::chown(path.c_str(), 0, entry->gr_gid) != 0) {
        BERTH_LOG(Warn) << "docker api: chown " << path << ": " << std::strerror(errno);
      }
      break;
    }
  }
  return fd;
}

}  // namespace berth::docker
