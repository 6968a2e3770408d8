#include "services/docker/websocket_attach.h"

#include <poll.h>
#include <sys/socket.h>
#include <unistd.h>

#include <cerrno>

#include "absl/strings/ascii.h"
#include "absl/strings/match.h"
#include "absl/strings/str_split.h"
#include "services/common/base/write_all.h"

namespace berth::docker {
namespace {

// How long the end of the process waits for the client's answer to the
// close frame before the connection is closed anyway.
constexpr auto kCloseWait = std::chrono::seconds(2);

http::HttpResponse HandshakeError(int status, const std::string& text) {
  // golang.org/x/net/websocket writes the bare text, no JSON.
  http::HttpResponse response = http::HttpResponse::Empty(status);
  response.body = text;
  response.headers.push_back({"Connection", "close"});
  return response;
}

}  // namespace

std::optional<http::HttpResponse> WebSocketHandshakeError(const http::HttpRequest& request) {
  if (absl::AsciiStrToLower(request.Header("Upgrade")) != "websocket" ||
      !absl::StrContains(absl::AsciiStrToLower(request.Header("Connection")), "upgrade")) {
    return HandshakeError(400, "not websocket protocol");
  }
  if (request.Header("Sec-WebSocket-Key").empty()) {
    return HandshakeError(400, "mismatch challenge/response");
  }
  if (request.Header("Sec-WebSocket-Version") != "13") {
    http::HttpResponse response = HandshakeError(400, "missing or bad WebSocket Version");
    response.headers.push_back({"Sec-WebSocket-Version", "13"});
    return response;
  }
  return std::nullopt;
}

http::HttpResponse WebSocketUpgrade(const http::HttpRequest& request) {
  http::HttpResponse response = http::HttpResponse::Empty(101);
  response.headers.push_back({"Upgrade", "websocket"});
  response.headers.push_back(
      {"Sec-WebSocket-Accept", websocket::AcceptKey(request.Header("Sec-WebSocket-Key"))});
  // No subprotocol is chosen: the client's first is echoed, as dockerd does.
  std::string protocols = request.Header("Sec-WebSocket-Protocol");
  if (!protocols.empty()) {
    std::string first(absl::StripAsciiWhitespace(
        std::vector<std::string>(absl::StrSplit(protocols, ',')).front()));
    if (!first.empty()) response.headers.push_back({"Sec-WebSocket-Protocol", first});
  }
  return response;
}

bool WebSocketPeer::Send(const std::string& frame) {
  std::lock_guard<std::mutex> lock(write_mu_);
  if (close_sent_) return false;
  return WriteAll(fd_, frame, "a WebSocket frame").ok();
}

void WebSocketPeer::Close(uint16_t code, std::string_view reason) {
  std::lock_guard<std::mutex> lock(write_mu_);
  if (close_sent_) return;
  close_sent_ = true;
  (void)WriteAll(fd_, websocket::CloseFrame(code, reason), "a WebSocket close");
}

bool WebSocketPeer::Write(int, std::string_view payload) {
  return Send(websocket::Frame(binary_ ? websocket::kBinary : websocket::kText, payload));
}

void WebSocketPeer::Finish() {
  Close(websocket::kNormalClosure, "");
  deadline_ = std::chrono::steady_clock::now() + kCloseWait;
  finishing_ = true;
}

AttachPeer::Input WebSocketPeer::Read(std::string* data) {
  while (true) {
    while (!events_.empty()) {
      websocket::Event event = std::move(events_.front());
      events_.pop_front();
      switch (event.kind) {
        case websocket::Event::kData:
          *data = std::move(event.payload);
          return Input::kData;
        case websocket::Event::kPing:
          Send(websocket::Frame(websocket::kPong, event.payload));
          break;
        case websocket::Event::kPong:
          break;
        case websocket::Event::kClose:
          // The client's closing handshake (or its answer to ours): the
          // code is echoed, and its stdin ends.
          Close(event.code == 0 ? websocket::kNormalClosure : event.code, "");
          events_.clear();
          if (ended_) return Input::kGone;
          ended_ = true;
          return Input::kEnd;
      }
    }
    if (ended_) return Input::kGone;
    std::string bytes;
    if (!early_.empty()) {
      bytes = std::move(early_);
      early_.clear();
    } else {
      if (finishing_ && std::chrono::steady_clock::now() >= deadline_) return Input::kGone;
      pollfd entry{fd_, POLLIN, 0};
      int ready = ::poll(&entry, 1, 200);
      if (ready < 0 && errno != EINTR) return Input::kGone;
      if (ready <= 0) continue;
      char buffer[32 * 1024];
      ssize_t n = ::read(fd_, buffer, sizeof(buffer));
      if (n < 0 && (errno == EINTR || errno == EAGAIN)) continue;
      if (n <= 0) {
        // The TCP end without a close frame: stdin ends if it came between
        // frames; a frame cut in the middle is a client gone.
        ended_ = true;
        return n == 0 && decoder_.AtFrameBoundary() ? Input::kEnd : Input::kGone;
      }
      bytes.assign(buffer, static_cast<size_t>(n));
    }
    std::vector<websocket::Event> events;
    bool ok = decoder_.Feed(bytes, &events);
    // Whatever came before a bad frame still counts.
    for (websocket::Event& event : events) events_.push_back(std::move(event));
    if (!ok) {
      Close(decoder_.error_code(), decoder_.error());
      ended_ = true;
      if (events_.empty()) return Input::kGone;
    }
  }
}

}  // namespace berth::docker
