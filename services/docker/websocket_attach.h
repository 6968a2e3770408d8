#ifndef BERTH_SERVICES_DOCKER_WEBSOCKET_ATTACH_H_
#define BERTH_SERVICES_DOCKER_WEBSOCKET_ATTACH_H_

// GET /containers/{id}/attach/ws: the WebSocket handshake as dockerd's
// (golang.org/x/net/websocket) answers it, and the attach's client end over
// WebSocket frames: stdin from the client's data frames, output as one
// frame per write, not multiplexed (binary frames from API 1.28, text
// before), pings answered, and a close frame (1000) when the process ends.

#include <atomic>
#include <chrono>
#include <deque>
#include <mutex>
#include <optional>
#include <string>

#include "services/common/http/http_server.h"
#include "services/docker/streams.h"
#include "services/docker/websocket.h"

namespace berth::docker {

// dockerd's answer to a request that is not a WebSocket handshake (400 "not
// websocket protocol", ...), or nothing when it is one.
std::optional<http::HttpResponse> WebSocketHandshakeError(const http::HttpRequest& request);
// Status 101's headers for a valid handshake (the hijack is set by the caller).
http::HttpResponse WebSocketUpgrade(const http::HttpRequest& request);

class WebSocketPeer : public AttachPeer {
 public:
  WebSocketPeer(int fd, std::string early_input, bool binary)
      : fd_(fd), early_(std::move(early_input)), binary_(binary) {}
  Input Read(std::string* data) override;
  bool Write(int stream, std::string_view payload) override;
  // Sends the close frame, then waits (a little) for the client's.
  void Finish() override;
  // WebSocket has no half-close: after stdin's end (a close frame or the
  // TCP end), the next Read reports the client gone.
  bool ReadsAfterEnd() const override { return true; }

 private:
  // Sends a frame unless a close frame went out already.
  bool Send(const std::string& frame);
  // Sends the close frame once.
  void Close(uint16_t code, std::string_view reason);

  int fd_;
  std::string early_;
  bool binary_;
  websocket::Decoder decoder_;
  std::deque<websocket::Event> events_;
  bool ended_ = false;
  std::mutex write_mu_;
  bool close_sent_ = false;
  std::atomic<bool> finishing_{false};
  std::chrono::steady_clock::time_point deadline_;
};

}  // namespace berth::docker

#endif  // BERTH_SERVICES_DOCKER_WEBSOCKET_ATTACH_H_
