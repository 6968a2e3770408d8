#ifndef BERTH_SERVICES_CRI_STREAMING_SPDY_FRAME_H_
#define BERTH_SERVICES_CRI_STREAMING_SPDY_FRAME_H_

// SPDY/3.1 frames (draft-mbelshe-httpbis-spdy-00 and the 3.1 amendments),
// the framing kubectl, the kubelet and crictl speak after the streaming
// upgrade. Every frame is an 8-byte header and a payload:
//   control: 1 | version(15) = 3 | type(16) | flags(8) | length(24)
//   data:    0 | stream id(31)              | flags(8) | length(24)
// Header blocks inside SYN_STREAM, SYN_REPLY and HEADERS go through one
// zlib stream per direction (spdy_headers.h), so an encoder and a parser
// each belong to one direction of one connection.

#include <cstdint>
#include <string>
#include <string_view>
#include <vector>

#include "absl/status/statusor.h"
#include "services/cri/streaming/spdy_headers.h"

namespace berth::cri::streaming {

inline constexpr uint16_t kSpdyVersion = 3;
inline constexpr size_t kFrameHeaderSize = 8;
// The 24-bit length field's ceiling.
inline constexpr uint32_t kMaxFrameLength = (1u << 24) - 1;
// Both a stream's and (in 3.1) the session's window start here.
inline constexpr int64_t kDefaultInitialWindow = 64 << 10;
inline constexpr int64_t kMaxWindow = 0x7fffffff;

enum class FrameType : uint16_t {
  kData = 0,  // not on the wire: data frames have no type field
  kSynStream = 1,
  kSynReply = 2,
  kRstStream = 3,
  kSettings = 4,
  kPing = 6,
  kGoAway = 7,
  kHeaders = 8,
  kWindowUpdate = 9,
};

inline constexpr uint8_t kFlagFin = 0x01;
inline constexpr uint8_t kFlagUnidirectional = 0x02;  // SYN_STREAM
inline constexpr uint8_t kFlagClearSettings = 0x01;   // SETTINGS

// RST_STREAM status codes.
enum class RstStatus : uint32_t {
  kProtocolError = 1,
  kInvalidStream = 2,
  kRefusedStream = 3,
  kUnsupportedVersion = 4,
  kCancel = 5,
  kInternalError = 6,
  kFlowControlError = 7,
  kStreamInUse = 8,
  kStreamAlreadyClosed = 9,
  kFrameTooLarge = 11,
};

// GOAWAY status codes.
enum class GoAwayStatus : uint32_t { kOk = 0, kProtocolError = 1, kInternalError = 2 };

enum class SettingId : uint32_t { kMaxConcurrentStreams = 4, kInitialWindowSize = 7 };

struct Setting {
  uint8_t flags = 0;
  uint32_t id = 0;  // 24 bits
  uint32_t value = 0;
};

// One frame, decoded. Which fields mean something depends on type:
//   kData: stream_id, flags, data
//   kSynStream: stream_id, associated_stream_id, priority (0-7), headers, flags
//   kSynReply, kHeaders: stream_id, headers, flags
//   kRstStream: stream_id, status
//   kSettings: settings, flags
//   kPing: ping_id
//   kGoAway: stream_id (the last stream the sender accepted), status
//   kWindowUpdate: stream_id (0: the session), delta
struct Frame {
  FrameType type = FrameType::kData;
  uint8_t flags = 0;
  uint32_t stream_id = 0;
  uint32_t associated_stream_id = 0;
  uint8_t priority = 0;
  uint32_t status = 0;
  uint32_t ping_id = 0;
  uint32_t delta = 0;
  SpdyHeaders headers;
  std::vector<Setting> settings;
  std::string data;

  bool fin() const { return (flags & kFlagFin) != 0; }
};

// Frame constructors for what a session sends.
Frame DataFrame(uint32_t stream_id, std::string data, bool fin);
Frame SynStreamFrame(uint32_t stream_id, SpdyHeaders headers, bool fin);
Frame SynReplyFrame(uint32_t stream_id, SpdyHeaders headers, bool fin);
Frame RstStreamFrame(uint32_t stream_id, RstStatus status);
Frame SettingsFrame(std::vector<Setting> settings);
Frame PingFrame(uint32_t id);
Frame GoAwayFrame(uint32_t last_good_stream_id, GoAwayStatus status);
Frame WindowUpdateFrame(uint32_t stream_id, uint32_t delta);

// Serialises frames of one direction (it owns that direction's compressor).
class FrameEncoder {
 public:
  absl::StatusOr<std::string> Encode(const Frame& frame);

 private:
  HeaderCompressor compressor_;
};

// Splits one direction's bytes into frames as they arrive. After an error
// the parser stays broken: the connection must end (GOAWAY PROTOCOL_ERROR).
class FrameParser {
 public:
  // Frames (of any kind) with a longer payload are refused.
  explicit FrameParser(uint32_t max_payload = 1 << 20) : max_payload_(max_payload) {}

  void Feed(std::string_view bytes) { buffer_.append(bytes); }
  // True with *frame filled for the next whole frame, false while the next
  // frame is incomplete, or an error for a frame that breaks the protocol (wrong version, a length past
  // the limit or wrong for its type, stream id 0 where one is needed, a
  // header block that does not inflate). Control frames of types this
  // version does not know are skipped, as the draft requires.
  absl::StatusOr<bool> Next(Frame* frame);

  // Bytes fed but not yet parsed.
  size_t buffered() const { return buffer_.size() - offset_; }

 private:
  absl::Status ParseControl(uint16_t type, std::string_view payload, Frame* frame, bool* known);

  std::string buffer_;
  size_t offset_ = 0;
  uint32_t max_payload_;
  absl::Status broken_;
  HeaderDecompressor decompressor_;
};

}  // namespace berth::cri::streaming

#endif  // BERTH_SERVICES_CRI_STREAMING_SPDY_FRAME_H_
