// The long answers of a container: wait, logs, attach.

#include <sys/socket.h>
#include <unistd.h>

#include <future>
#include <thread>

#include "absl/strings/numbers.h"
#include "absl/strings/str_cat.h"
#include "absl/strings/str_split.h"
#include "cli/commands/container_format.h"
#include "services/docker/routes.h"
#include "services/docker/streams.h"
#include "services/tasks/detach_keys.h"
#include "services/docker/websocket_attach.h"

namespace berth::docker {
namespace {

using nlohmann::json;

// The process's stdio between a client and the tasks service's Attach
// stream, until the process ends (the connection ends then) or the client
// leaves (the attach is cancelled).
void RelayAttach(const Backends& backends, AttachPeer& peer,
                 const berth::tasks::v1::AttachTarget& target, bool close_stdin_at_eof) {
  grpc::ClientContext context;
  auto stream = backends.tasks->Attach(&context);
  berth::tasks::v1::AttachRequest first;
  *first.mutable_target() = target;
  if (!stream->Write(first)) {
    peer.Finish();
    stream->Finish().IgnoreError();
    return;
  }
  // The client's side: stdin (written before the start, too), its end as
  // the process's stdin end.
  std::thread input([&] {
    bool open = target.stdin();
    while (true) {
      std::string data;
      AttachPeer::Input got = peer.Read(&data);
      if (got == AttachPeer::Input::kData) {
        if (!open) continue;
        berth::tasks::v1::AttachRequest message;
        message.set_stdin(std::move(data));
        if (!stream->Write(message)) return;
        continue;
      }
      if (got == AttachPeer::Input::kGone) {
        context.TryCancel();
        return;
      }
      // A half-close: stdin ends; the output still flows.
      if (open && close_stdin_at_eof) {
        berth::tasks::v1::AttachRequest message;
        message.set_close_stdin(true);
        stream->Write(message);
        open = false;
      }
      if (!peer.ReadsAfterEnd()) return;
    }
  });
  berth::tasks::v1::AttachResponse response;
  while (stream->Read(&response)) {
    if (!response.has_stdout() && !response.has_stderr()) break;  // the exit, or detached
    const std::string& payload = response.has_stdout() ? response.stdout() : response.stderr();
    if (payload.empty()) continue;
    if (!peer.Write(response.has_stdout() ? 1 : 2, payload)) {
      context.TryCancel();
      break;
    }
  }
  peer.Finish();
  context.TryCancel();
  input.join();
  stream->Finish().IgnoreError();
}

// /wait: the headers go out at once (the CLI waits for them before it
// starts the container), the status when the condition holds.
class WaitStream : public BodyStream {
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

HttpResponse Wait(const Backends& backends, const ApiRequest& request) {
  std::string condition = request.http.Query("condition");
  if (!condition.empty() && condition != "not-running" && condition != "next-exit" &&
      condition != "removed") {
    return HttpResponse::Error(400, absl::StrCat("invalid condition: \"", condition, "\""));
  }
  // A missing container is a 404 before the 200 goes out.
  berth::tasks::v1::Container container;
  if (grpc::Status status = GetContainer(backends, request.param(0), &container); !status.ok()) {
    return ErrorResponse(status);
  }
  berth::tasks::v1::WaitRequest wait;
  wait.set_id(container.id());
  wait.set_condition(condition);
  HttpResponse response;
  response.stream = std::make_unique<WaitStream>(backends, wait, request.http.connection_fd);
  return response;
}

class LogStream : public BodyStream {
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

HttpResponse Logs(const Backends& backends, const ApiRequest& request) {
  const HttpRequest& http = request.http;
  berth::tasks::v1::Container container;
  if (grpc::Status status = GetContainer(backends, request.param(0), &container); !status.ok()) {
    return ErrorResponse(status);
  }
  bool out = http.QueryBool("stdout");
  bool err = http.QueryBool("stderr");
  if (!out && !err) {
    return HttpResponse::Error(400, "Bad parameters: you must choose at least one stream");
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
      return HttpResponse::Error(400, absl::StrCat("invalid value for \"", name, "\": ", text));
    }
  }
  if (!logs.has_since() || logs.since().seconds() == 0) logs.clear_since();
  if (!logs.has_until() || logs.until().seconds() == 0) logs.clear_until();
  bool tty = container.spec().tty();
  HttpResponse response;
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
std::optional<HttpResponse> RefuseDetachKeys(const HttpRequest& http) {
  std::string keys = http.Query("detachKeys");
  if (keys.empty()) return std::nullopt;
  if (absl::Status parsed = berth::tasks::ParseDetachKeys(keys).status(); !parsed.ok()) {
    return HttpResponse::Error(400, std::string(parsed.message()));
  }
  return std::nullopt;
}

// dockerd's refusals of an attach to a container in the wrong state.
std::optional<HttpResponse> RefuseAttach(const ApiRequest& request,
                                         const berth::tasks::v1::Container& container) {
  const std::string& name = request.param(0);
  if (container.state().status() == berth::tasks::v1::PAUSED) {
    return HttpResponse::Error(
        409, absl::StrCat("container ", name, " is paused, unpause the container before attach"));
  }
  if (container.state().status() == berth::tasks::v1::RESTARTING) {
    return HttpResponse::Error(
        409,
        absl::StrCat("container ", name, " is restarting, wait until the container is running"));
  }
  return std::nullopt;
}

// The container to attach to, or dockerd's refusal: bad detach keys, no
// such container, or a state that cannot be attached.
std::optional<HttpResponse> FindAttachable(const Backends& backends, const ApiRequest& request,
                                           berth::tasks::v1::Container* container) {
  if (std::optional<HttpResponse> refused = RefuseDetachKeys(request.http)) return refused;
  if (grpc::Status status = GetContainer(backends, request.param(0), container); !status.ok()) {
    return ErrorResponse(status);
  }
  return RefuseAttach(request, *container);
}

HttpResponse Attach(const Backends& backends, const ApiRequest& request) {
  const HttpRequest& http = request.http;
  berth::tasks::v1::Container container;
  if (std::optional<HttpResponse> refused = FindAttachable(backends, request, &container)) {
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
  HttpResponse response;
  response.content_type = tty ? kRawStream : kMultiplexedStream;
  if (!http.QueryBool("stream")) {
    response.hijack = [&backends, target, tty](int fd, std::string early) {
      RawAttachPeer peer(fd, std::move(early), tty);
      ReplayLogAndFinish(backends, peer, target);
    };
    return response;
  }
  response.hijack = [&backends, target, tty, stdin_once](int fd, std::string early) {
    PumpAttach(backends, fd, std::move(early), target, tty, stdin_once);
  };
  return response;
}


// attach/ws: stdin, stdout and stderr as the query says from API 1.42,
// all three before (dockerd's rule); output never multiplexed.
HttpResponse AttachWebSocket(const Backends& backends, const ApiRequest& request) {
  const HttpRequest& http = request.http;
  berth::tasks::v1::Container container;
  if (std::optional<HttpResponse> refused = FindAttachable(backends, request, &container)) {
    return *std::move(refused);
  }
  if (std::optional<HttpResponse> refused = WebSocketHandshakeError(http)) {
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
  HttpResponse response = WebSocketUpgrade(http);
  response.hijack = [&backends, target, stdin_once, binary, stream](int fd, std::string early) {
    WebSocketPeer peer(fd, std::move(early), binary);
    if (stream) {
      RelayAttach(backends, peer, target, stdin_once);
    } else {
      ReplayLogAndFinish(backends, peer, target);
    }
  };
  return response;
}

}  // namespace

void PumpAttach(const Backends& backends, int fd, std::string early_input,
                const berth::tasks::v1::AttachTarget& target, bool tty, bool close_stdin_at_eof) {
  RawAttachPeer peer(fd, std::move(early_input), tty);
  RelayAttach(backends, peer, target, close_stdin_at_eof);
}

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
