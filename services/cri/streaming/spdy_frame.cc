#include "services/cri/streaming/spdy_frame.h"

#include <utility>

#include "absl/strings/str_cat.h"
#include "services/cri/streaming/spdy_wire.h"

namespace berth::cri::streaming {
namespace {

constexpr uint32_t kStreamIdMask = 0x7fffffff;

absl::Status ProtocolError(FrameType type, std::string_view what) {
  return absl::InvalidArgumentError(absl::StrCat("spdy frame type ", static_cast<int>(type), ": ", std::string(what)));
}

absl::Status WantLength(FrameType type, std::string_view payload, size_t length, bool exact) {
  if (exact ? payload.size() == length : payload.size() >= length) return absl::OkStatus();
  return ProtocolError(type, absl::StrCat("length ", payload.size(), ", want ", exact ? "" : "at least ", length));
}

}  // namespace

Frame DataFrame(uint32_t stream_id, std::string data, bool fin) {
  Frame frame;
  frame.type = FrameType::kData;
  frame.stream_id = stream_id;
  frame.data = std::move(data);
  frame.flags = fin ? kFlagFin : 0;
  return frame;
}

Frame SynStreamFrame(uint32_t stream_id, SpdyHeaders headers, bool fin) {
  Frame frame;
  frame.type = FrameType::kSynStream;
  frame.stream_id = stream_id;
  frame.headers = std::move(headers);
  frame.flags = fin ? kFlagFin : 0;
  return frame;
}

Frame SynReplyFrame(uint32_t stream_id, SpdyHeaders headers, bool fin) {
  Frame frame = SynStreamFrame(stream_id, std::move(headers), fin);
  frame.type = FrameType::kSynReply;
  return frame;
}

Frame RstStreamFrame(uint32_t stream_id, RstStatus status) {
  Frame frame;
  frame.type = FrameType::kRstStream;
  frame.stream_id = stream_id;
  frame.status = static_cast<uint32_t>(status);
  return frame;
}

Frame SettingsFrame(std::vector<Setting> settings) {
  Frame frame;
  frame.type = FrameType::kSettings;
  frame.settings = std::move(settings);
  return frame;
}

Frame PingFrame(uint32_t id) {
  Frame frame;
  frame.type = FrameType::kPing;
  frame.ping_id = id;
  return frame;
}

Frame GoAwayFrame(uint32_t last_good_stream_id, GoAwayStatus status) {
  Frame frame;
  frame.type = FrameType::kGoAway;
  frame.stream_id = last_good_stream_id;
  frame.status = static_cast<uint32_t>(status);
  return frame;
}

Frame WindowUpdateFrame(uint32_t stream_id, uint32_t delta) {
  Frame frame;
  frame.type = FrameType::kWindowUpdate;
  frame.stream_id = stream_id;
  frame.delta = delta;
  return frame;
}

absl::StatusOr<std::string> FrameEncoder::Encode(const Frame& frame) {
  std::string payload;
  switch (frame.type) {
    case FrameType::kData:
      payload = frame.data;
      break;
    case FrameType::kSynStream: {
      AppendUint32(&payload, frame.stream_id & kStreamIdMask);
      AppendUint32(&payload, frame.associated_stream_id & kStreamIdMask);
      payload.push_back(static_cast<char>((frame.priority & 0x7) << 5));
      payload.push_back(0);  // credential slot
      absl::StatusOr<std::string> block = compressor_.Compress(frame.headers);
      if (!block.ok()) return block.status();
      payload += *block;
      break;
    }
    case FrameType::kSynReply:
    case FrameType::kHeaders: {
      AppendUint32(&payload, frame.stream_id & kStreamIdMask);
      absl::StatusOr<std::string> block = compressor_.Compress(frame.headers);
      if (!block.ok()) return block.status();
      payload += *block;
      break;
    }
    case FrameType::kRstStream:
    case FrameType::kGoAway:
      AppendUint32(&payload, frame.stream_id & kStreamIdMask);
      AppendUint32(&payload, frame.status);
      break;
    case FrameType::kSettings:
      AppendUint32(&payload, static_cast<uint32_t>(frame.settings.size()));
      for (const Setting& setting : frame.settings) {
        AppendUint32(&payload, (uint32_t{setting.flags} << 24) | (setting.id & 0xffffff));
        AppendUint32(&payload, setting.value);
      }
      break;
    case FrameType::kPing:
      AppendUint32(&payload, frame.ping_id);
      break;
    case FrameType::kWindowUpdate:
      AppendUint32(&payload, frame.stream_id & kStreamIdMask);
      AppendUint32(&payload, frame.delta & kStreamIdMask);
      break;
  }
  if (payload.size() > kMaxFrameLength) {
    return absl::InvalidArgumentError(absl::StrCat("spdy frame: ", payload.size(), " bytes do not fit one frame"));
  }
  std::string out;
  out.reserve(kFrameHeaderSize + payload.size());
  if (frame.type == FrameType::kData) {
    AppendUint32(&out, frame.stream_id & kStreamIdMask);
  } else {
    AppendUint32(&out, 0x80000000u | (uint32_t{kSpdyVersion} << 16) | static_cast<uint16_t>(frame.type));
  }
  AppendUint32(&out, (uint32_t{frame.flags} << 24) | static_cast<uint32_t>(payload.size()));
  out += payload;
  return out;
}

absl::StatusOr<bool> FrameParser::Next(Frame* frame) {
  if (!broken_.ok()) return broken_;
  while (true) {
    std::string_view pending(buffer_);
    pending.remove_prefix(offset_);
    if (pending.size() < kFrameHeaderSize) break;
    const uint32_t first = Uint32At(pending, 0);
    const uint32_t second = Uint32At(pending, 4);
    const uint8_t flags = static_cast<uint8_t>(second >> 24);
    const uint32_t length = second & 0xffffff;
    const bool control = (first & 0x80000000u) != 0;
    if (control && ((first >> 16) & 0x7fff) != kSpdyVersion) {
      broken_ = absl::InvalidArgumentError(
          absl::StrCat("spdy frame: version ", (first >> 16) & 0x7fff, ", want ", kSpdyVersion));
      return broken_;
    }
    if (length > max_payload_) {
      broken_ = absl::InvalidArgumentError(
          absl::StrCat("spdy frame: payload of ", length, " bytes, more than ", max_payload_));
      return broken_;
    }
    if (pending.size() < kFrameHeaderSize + length) break;
    const std::string_view payload = pending.substr(kFrameHeaderSize, length);
    offset_ += kFrameHeaderSize + length;

    *frame = Frame();
    frame->flags = flags;
    if (!control) {
      frame->type = FrameType::kData;
      frame->stream_id = first & kStreamIdMask;
      if (frame->stream_id == 0) {
        broken_ = ProtocolError(FrameType::kData, "stream id 0");
        return broken_;
      }
      frame->data.assign(payload);
      return true;
    }
    bool known = true;
    absl::Status parsed = ParseControl(static_cast<uint16_t>(first & 0xffff), payload, frame, &known);
    if (!parsed.ok()) {
      broken_ = parsed;
      return broken_;
    }
    if (known) return true;
  }
  // Keep the buffer from growing without end on a long-lived connection.
  if (offset_ > 0 && offset_ >= buffer_.size() / 2) {
    buffer_.erase(0, offset_);
    offset_ = 0;
  }
  return false;
}

absl::Status FrameParser::ParseControl(uint16_t type_number, std::string_view payload, Frame* frame, bool* known) {
  const auto type = static_cast<FrameType>(type_number);
  frame->type = type;
  switch (type) {
    case FrameType::kSynStream: {
      if (absl::Status s = WantLength(type, payload, 10, false); !s.ok()) return s;
      frame->stream_id = Uint32At(payload, 0) & kStreamIdMask;
      frame->associated_stream_id = Uint32At(payload, 4) & kStreamIdMask;
      frame->priority = static_cast<uint8_t>(static_cast<unsigned char>(payload[8]) >> 5);
      absl::StatusOr<SpdyHeaders> headers = decompressor_.Decompress(payload.substr(10));
      if (!headers.ok()) return headers.status();
      frame->headers = *std::move(headers);
      break;
    }
    case FrameType::kSynReply:
    case FrameType::kHeaders: {
      if (absl::Status s = WantLength(type, payload, 4, false); !s.ok()) return s;
      frame->stream_id = Uint32At(payload, 0) & kStreamIdMask;
      absl::StatusOr<SpdyHeaders> headers = decompressor_.Decompress(payload.substr(4));
      if (!headers.ok()) return headers.status();
      frame->headers = *std::move(headers);
      break;
    }
    case FrameType::kRstStream:
      if (absl::Status s = WantLength(type, payload, 8, true); !s.ok()) return s;
      frame->stream_id = Uint32At(payload, 0) & kStreamIdMask;
      frame->status = Uint32At(payload, 4);
      if (frame->status == 0) return ProtocolError(type, "status 0");
      break;
    case FrameType::kSettings: {
      if (absl::Status s = WantLength(type, payload, 4, false); !s.ok()) return s;
      const uint32_t count = Uint32At(payload, 0);
      if (absl::Status s = WantLength(type, payload, 4 + size_t{count} * 8, true); !s.ok()) return s;
      for (uint32_t i = 0; i < count; ++i) {
        const uint32_t flags_and_id = Uint32At(payload, 4 + size_t{i} * 8);
        frame->settings.push_back(Setting{static_cast<uint8_t>(flags_and_id >> 24), flags_and_id & 0xffffff,
                                          Uint32At(payload, 8 + size_t{i} * 8)});
      }
      return absl::OkStatus();
    }
    case FrameType::kPing:
      if (absl::Status s = WantLength(type, payload, 4, true); !s.ok()) return s;
      frame->ping_id = Uint32At(payload, 0);
      return absl::OkStatus();
    case FrameType::kGoAway:
      if (absl::Status s = WantLength(type, payload, 8, true); !s.ok()) return s;
      frame->stream_id = Uint32At(payload, 0) & kStreamIdMask;
      frame->status = Uint32At(payload, 4);
      return absl::OkStatus();
    case FrameType::kWindowUpdate:
      if (absl::Status s = WantLength(type, payload, 8, true); !s.ok()) return s;
      frame->stream_id = Uint32At(payload, 0) & kStreamIdMask;
      frame->delta = Uint32At(payload, 4) & kStreamIdMask;
      if (frame->delta == 0) return ProtocolError(type, "window delta 0");
      return absl::OkStatus();
    default:
      // NOOP (gone in 3), CREDENTIAL, or a later extension: ignored, as the
      // draft requires of a control frame type the receiver does not know.
      *known = false;
      return absl::OkStatus();
  }
  if (frame->stream_id == 0) return ProtocolError(type, "stream id 0");
  return absl::OkStatus();
}

}  // namespace berth::cri::streaming
