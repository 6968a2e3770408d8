#ifndef BERTH_SHIM_FRAMING_H_
#define BERTH_SHIM_FRAMING_H_

// The shim's wire format: protobuf messages (proto/berth/shim/v1) in small
// frames over a unix socket, in the manner of containerd's ttrpc. A gRPC
// server per container would cost megabytes; this costs a socket and a few
// buffers, which is what lets a host run a thousand shims.
//
//   u32 payload length (big endian) | u32 stream id | u8 type | u8 flags | payload
//
// A request opens a stream (odd ids from the client); its response, and any
// data frames of a streaming method, carry the same id. kEndOfStream marks
// the last frame of a stream.

#include <cstdint>
#include <optional>
#include <string>

#include "absl/status/status.h"
#include "absl/status/statusor.h"

namespace berth::shim {

enum class FrameType : uint8_t { kRequest = 1, kResponse = 2, kData = 3 };

inline constexpr uint8_t kEndOfStream = 1;
inline constexpr size_t kHeaderSize = 10;
// Larger payloads are refused: a peer cannot make the shim allocate without
// bound. stdio and stats fit easily; bulk data goes in several frames.
inline constexpr uint32_t kMaxPayload = 4 << 20;

struct Frame {
  uint32_t stream_id = 0;
  FrameType type = FrameType::kRequest;
  uint8_t flags = 0;
  std::string payload;
};

std::string EncodeFrame(const Frame& frame);

// Reassembles frames from bytes as they arrive on a non-blocking socket.
class FrameDecoder {
 public:
  // Adds received bytes; fails on a malformed header (the connection is
  // then unusable).
  absl::Status Feed(const char* data, size_t size);
  // The next complete frame, if one has arrived.
  std::optional<Frame> Next();
  // Bytes of an incomplete frame still buffered.
  size_t buffered() const { return buffer_.size() - offset_; }

 private:
  std::string buffer_;
  size_t offset_ = 0;
};

// Blocking helpers for simple clients (and tests): write a whole frame, read
// exactly one. ReadFrame returns OutOfRange at a clean end of stream and
// DataLoss when the peer goes away in the middle of a frame.
absl::Status WriteFrame(int fd, const Frame& frame);
absl::StatusOr<Frame> ReadFrame(int fd);

}  // namespace berth::shim

#endif  // BERTH_SHIM_FRAMING_H_
