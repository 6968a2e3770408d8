// The long answers of a container: wait, logs, attach.

#include <memory>

#include "absl/strings/numbers.h"
#include "absl/strings/str_cat.h"
#include "absl/strings/str_split.h"
#include "absl/time/clock.h"
#include "cli/commands/container_format.h"
#include "services/docker/attach_call.h"
#include "services/docker/routes.h"
#include "services/docker/streams.h"
#include "services/docker/websocket_attach.h"
#include "services/tasks/detach_keys.h"

namespace berth::docker {
namespace {

using nlohmann::json;

// /wait: the headers go out at once (the CLI waits for them before it
// starts the container), the status when the condition holds.
class WaitStream : public http::BodyStream {
 public:
  WaitStream(const Backends& backends, berth::tasks::v1::WaitRequest request, int client_fd)
      : backends_(backends), request_(std::move(request)), client_fd_(client_fd) {}

  bool Next(std::string* chunk) override {
    if (done_) return false;
    done_ = true;
    berth::tasks::v1::WaitResponse response;
    grpc::ClientContext context;
    ClientWatch watch(client_fd_, &context);
    grpc::Status status = backends_.tasks->Wait(&context, request_, &response);
    json body;
    if (status.ok()) {
      body = {{"StatusCode", response.exit_code()},
              {"Error", response.error().empty() ? json() : json{{"Message", response.error()}}}};
    } else if (status.error_code() == grpc::StatusCode::CANCELLED) {
      return false;
    } else {
      // The 200 is out: the failure goes in the body, as dockerd's does.
      body = {{"StatusCode", -1}, {"Error", {{"Message", status.error_message()}}}};
    }
    *chunk = body.dump() + "\n";
    return true;
  }

 private:
  const Backends& backends_;
  berth::tasks::v1::WaitRequest request_;
  int client_fd_;
  bool done_ = false;
};

http::HttpResponse Wait(const Backends& backends, const ApiRequest& request) {
  std::string condition = request.http.Query("condition");
  if (!condition.empty() && condition != "not-running" && condition != "next-exit" &&
      condition != "removed") {
    return http::HttpResponse::Error(400, absl::StrCat("invalid condition: \"", condition, "\""));
  }
  // A missing container is a 404 before the 200 goes out.
  berth::tasks::v1::Container container;
  if (grpc::Status status = GetContainer(backends, request.param(0), &container); !status.ok()) {
    return ErrorResponse(status);
  }
  berth::tasks::v1::WaitRequest wait;
  wait.set_id(container.id());
  wait.set_condition(condition);
  http::HttpResponse response;
  response.stream = std::make_unique<WaitStream>(backends, wait, request.http.connection_fd);
  return response;
}

class LogStream : public http::BodyStream {
 public:
  LogStream(const Backends& backends, berth::tasks::v1::LogsRequest request, bool tty, int fd)
      : request_(std::move(request)), tty_(tty), watch_(fd, &context_) {
    reader_ = backends.tasks->Logs(&context_, request_);
  }

  bool Next(std::string* chunk) override {
    berth::tasks::v1::LogEntry entry;
    if (!reader_->Read(&entry)) {
      reader_->Finish().IgnoreError();
      return false;
    }
    std::string line = request_.timestamps()
                           ? absl::StrCat(berth::cli::Rfc3339NanoFixed(entry.time()), " ", entry.line())
                           : entry.line();
    *chunk = tty_ ? line : MultiplexFrame(entry.stream() == "stderr" ? 2 : 1, line);
    return true;
  }

  void Cancel() override { context_.TryCancel(); }

 private:
  berth::tasks::v1::LogsRequest request_;
  bool tty_;
  grpc::ClientContext context_;
  ClientWatch watch_;
  std::unique_ptr<grpc::ClientReader<berth::tasks::v1::LogEntry>> reader_;
};

http::HttpResponse Logs(const Backends& backends, const ApiRequest& request) {
  const http::HttpRequest& http = request.http;
  berth::tasks::v1::Container container;
  if (grpc::Status status = GetContainer(backends, request.param(0), &container); !status.ok()) {
    return ErrorResponse(status);
  }
  bool out = http.QueryBool("stdout");
  bool err = http.QueryBool("stderr");
  if (!out && !err) {
    return http::HttpResponse::Error(400, "Bad parameters: you must choose at least one stream");
  }
  berth::tasks::v1::LogsRequest logs;
  logs.set_id(container.id());
  logs.set_follow(http.QueryBool("follow"));
  logs.set_stdout(out);
  logs.set_stderr(err);
  logs.set_timestamps(http.QueryBool("timestamps"));
  int64_t tail = -1;
  std::string tail_text = http.Query("tail");
  if (!tail_text.empty() && tail_text != "all" && !absl::SimpleAtoi(tail_text, &tail)) tail = -1;
  logs.set_tail(tail);
  for (auto [name, field] : {std::pair{"since", logs.mutable_since()},
                             std::pair{"until", logs.mutable_until()}}) {
    std::string text = http.Query(name);
    if (text.empty() || text == "0") continue;
    if (!ParseApiTime(text, field)) {
      return http::HttpResponse::Error(400, absl::StrCat("invalid value for \"", name, "\": ", text));
    }
  }
  if (!logs.has_since() || logs.since().seconds() == 0) logs.clear_since();
  if (!logs.has_until() || logs.until().seconds() == 0) logs.clear_until();
  bool tty = container.spec().tty();
  http::HttpResponse response;
  response.content_type = tty ? kRawStream : kMultiplexedStream;
  response.stream = std::make_unique<LogStream>(backends, logs, tty, http.connection_fd);
  return response;
}

// stream=0 (docker-py's attach() without stream=True): dockerd replays the
// log when logs=1, then ends the attach at once, the container running or
// not.
void ReplayLogAndFinish(const Backends& backends, AttachPeer& peer,
                        const berth::tasks::v1::AttachTarget& target) {
  if (target.logs() && (target.stdout() || target.stderr())) {
    // docker-py reads the 101 through a buffered reader and then the raw
    // socket: bytes that reach it with the head are swallowed by the
    // buffer. dockerd's replay comes later than the head; so does ours.
    absl::SleepFor(absl::Milliseconds(50));
    berth::tasks::v1::LogsRequest logs;
    logs.set_id(target.id());
    logs.set_stdout(target.stdout());
    logs.set_stderr(target.stderr());
    logs.set_tail(-1);
    grpc::ClientContext context;
    auto reader = backends.tasks->Logs(&context, logs);
    berth::tasks::v1::LogEntry entry;
    while (reader->Read(&entry)) {
      if (!peer.Write(entry.stream() == "stderr" ? 2 : 1, entry.line())) {
        context.TryCancel();
        break;
      }
    }
    reader->Finish().IgnoreError();
  }
  peer.Finish();
}

// dockerd checks the detach keys before anything else: 400, no upgrade.
std::optional<http::HttpResponse> RefuseDetachKeys(const http::HttpRequest& http) {
  std::string keys = http.Query("detachKeys");
  if (keys.empty()) return std::nullopt;
  if (absl::Status parsed = berth::tasks::ParseDetachKeys(keys).status(); !parsed.ok()) {
    return http::HttpResponse::Error(400, std::string(parsed.message()));
  }
  return std::nullopt;
}

// dockerd's refusals of an attach to a container in the wrong state.
std::optional<http::HttpResponse> RefuseAttach(const ApiRequest& request,
                                         const berth::tasks::v1::Container& container) {
  const std::string& name = request.param(0);
  if (container.state().status() == berth::tasks::v1::PAUSED) {
    return http::HttpResponse::Error(
        409, absl::StrCat("container ", name, " is paused, unpause the container before attach"));
  }
  if (container.state().status() == berth::tasks::v1::RESTARTING) {
    return http::HttpResponse::Error(
        409,
        absl::StrCat("container ", name, " is restarting, wait until the container is running"));
  }
  return std::nullopt;
}

// The container to attach to, or dockerd's refusal: bad detach keys, no
// such container, or a state that cannot be attached.
std::optional<http::HttpResponse> FindAttachable(const Backends& backends, const ApiRequest& request,
                                           berth::tasks::v1::Container* container) {
  if (std::optional<http::HttpResponse> refused = RefuseDetachKeys(request.http)) return refused;
  if (grpc::Status status = GetContainer(backends, request.param(0), container); !status.ok()) {
    return ErrorResponse(status);
  }
  return RefuseAttach(request, *container);
}

http::HttpResponse Attach(const Backends& backends, const ApiRequest& request) {
  const http::HttpRequest& http = request.http;
  berth::tasks::v1::Container container;
  if (std::optional<http::HttpResponse> refused = FindAttachable(backends, request, &container)) {
    return *std::move(refused);
  }
  berth::tasks::v1::AttachTarget target;
  target.set_id(container.id());
  target.set_stdin(http.QueryBool("stdin"));
  target.set_stdout(http.QueryBool("stdout"));
  target.set_stderr(http.QueryBool("stderr"));
  target.set_logs(http.QueryBool("logs"));
  target.set_detach_keys(http.Query("detachKeys"));
  target.set_await_start(true);
  bool tty = container.spec().tty();
  bool stdin_once = container.spec().stdin_once();
  http::HttpResponse response;
  response.content_type = tty ? kRawStream : kMultiplexedStream;
  if (!http.QueryBool("stream")) {
    response.hijack = [&backends, target, tty](int fd, std::string early) {
      RawAttachPeer peer(fd, std::move(early), tty);
      ReplayLogAndFinish(backends, peer, target);
    };
    return response;
  }
  // As dockerd: the 101 only once the attach is in place, since the CLI
  // sends its start as soon as it has the 101.
  auto call = std::make_shared<AttachCall>(backends, target);
  if (grpc::Status status = call->Open(); !status.ok()) return ErrorResponse(status);
  response.hijack = [call, tty, stdin_once](int fd, std::string early) {
    RawAttachPeer peer(fd, std::move(early), tty);
    call->Relay(peer, stdin_once);
  };
  return response;
}


// attach/ws: stdin, stdout and stderr as the query says from API 1.42,
// all three before (dockerd's rule); output never multiplexed.
http::HttpResponse AttachWebSocket(const Backends& backends, const ApiRequest& request) {
  const http::HttpRequest& http = request.http;
  berth::tasks::v1::Container container;
  if (std::optional<http::HttpResponse> refused = FindAttachable(backends, request, &container)) {
    return *std::move(refused);
  }
  if (std::optional<http::HttpResponse> refused = WebSocketHandshakeError(http)) {
    return *std::move(refused);
  }
  bool all = CompareApiVersions(request.version, "1.42") < 0;
  berth::tasks::v1::AttachTarget target;
  target.set_id(container.id());
  target.set_stdin(all || http.QueryBool("stdin"));
  target.set_stdout(all || http.QueryBool("stdout"));
  target.set_stderr(all || http.QueryBool("stderr"));
  target.set_logs(http.QueryBool("logs"));
  target.set_detach_keys(http.Query("detachKeys"));
  target.set_await_start(true);
  bool stdin_once = container.spec().stdin_once();
  // Text frames before API 1.28 (moby #28176).
  bool binary = CompareApiVersions(request.version, "1.28") >= 0;
  bool stream = http.QueryBool("stream");
  http::HttpResponse response = WebSocketUpgrade(http);
  if (!stream) {
    response.hijack = [&backends, target, binary](int fd, std::string early) {
      WebSocketPeer peer(fd, std::move(early), binary);
      ReplayLogAndFinish(backends, peer, target);
    };
    return response;
  }
  auto call = std::make_shared<AttachCall>(backends, target);
  if (grpc::Status status = call->Open(); !status.ok()) return ErrorResponse(status);
  response.hijack = [call, stdin_once, binary](int fd, std::string early) {
    WebSocketPeer peer(fd, std::move(early), binary);
    call->Relay(peer, stdin_once);
  };
  return response;
}

}  // namespace

void AddStreamRoutes(Router& router, const Backends& backends) {
  router.Add("POST", "/containers/{id}/wait",
             [&backends](const ApiRequest& r) { return Wait(backends, r); });
  router.Add("GET", "/containers/{id}/logs",
             [&backends](const ApiRequest& r) { return Logs(backends, r); });
  router.Add("POST", "/containers/{id}/attach",
             [&backends](const ApiRequest& r) { return Attach(backends, r); });
  router.Add("GET", "/containers/{id}/attach/ws",
             [&backends](const ApiRequest& r) { return AttachWebSocket(backends, r); });
}

}  // namespace berth::docker
