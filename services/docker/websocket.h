#ifndef BERTH_SERVICES_DOCKER_WEBSOCKET_H_
#define BERTH_SERVICES_DOCKER_WEBSOCKET_H_

// RFC 6455 framing, for the Docker API's attach/ws: the handshake's accept
// key, the server's frames, and a decoder of a client's frames that checks
// what the RFC requires of them (masked, known opcodes, no reserved bits,
// control frames whole and short, fragments in order, lengths in range).

#include <cstdint>
#include <string>
#include <string_view>
#include <vector>

namespace berth::docker::websocket {

enum Opcode : uint8_t {
  kContinuation = 0x0,
  kText = 0x1,
  kBinary = 0x2,
  kClose = 0x8,
  kPing = 0x9,
  kPong = 0xA,
};

// Close codes (RFC 6455 section 7.4.1).
inline constexpr uint16_t kNormalClosure = 1000;
inline constexpr uint16_t kProtocolError = 1002;
inline constexpr uint16_t kMessageTooBig = 1009;

// A data frame longer than this ends the connection (1009): the default of
// the websocket library dockerd serves attach/ws with.
inline constexpr uint64_t kMaxFramePayload = 32 << 20;

// Sec-WebSocket-Accept for a client's Sec-WebSocket-Key.
std::string AcceptKey(std::string_view key);

// A whole server frame (FIN set, not masked).
std::string Frame(Opcode opcode, std::string_view payload);
// A close frame with a status code (and a reason, cut to fit).
std::string CloseFrame(uint16_t code, std::string_view reason = "");

// What a client's byte stream holds, frame by frame.
struct Event {
  enum Kind { kData, kPing, kPong, kClose } kind;
  // kData: message bytes, unmasked, handed out as they arrive (a frame's
  // payload may come in several events); kPing/kPong: the payload;
  // kClose: the reason.
  std::string payload;
  // kClose: the status code, or 0 when the frame had none.
  uint16_t code = 0;
};

class Decoder {
 public:
  explicit Decoder(uint64_t max_frame_payload = kMaxFramePayload)
      : max_frame_payload_(max_frame_payload) {}

  // Appends the events in bytes to *events. False once the stream broke
  // the protocol: the connection must end with CloseFrame(error_code()).
  bool Feed(std::string_view bytes, std::vector<Event>* events);
  uint16_t error_code() const { return error_code_; }
  const std::string& error() const { return error_; }
  // Between two frames: the stream may end here without losing a part.
  bool AtFrameBoundary() const { return state_ == State::kHeader && header_.empty(); }

 private:
  enum class State { kHeader, kPayload, kFailed };
  bool Fail(uint16_t code, std::string message);
  // Parses header_ once whole; false on a protocol error.
  bool StartFrame(bool* complete);
  void Payload(std::string_view* bytes, std::vector<Event>* events);
  bool EndFrame(std::vector<Event>* events);

  uint64_t max_frame_payload_;
  State state_ = State::kHeader;
  std::string header_;
  Opcode opcode_ = kContinuation;
  uint8_t mask_[4] = {};
  uint64_t remaining_ = 0;
  uint64_t offset_ = 0;
  std::string control_;
  // A data message was started with FIN clear: continuations may follow.
  bool in_message_ = false;
  uint16_t error_code_ = 0;
  std::string error_;
};

}  // namespace berth::docker::websocket

#endif  // BERTH_SERVICES_DOCKER_WEBSOCKET_H_
