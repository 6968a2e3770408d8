#include "services/docker/websocket.h"

#include <gnutls/crypto.h>
#include <gnutls/gnutls.h>

#include "absl/strings/escaping.h"
#include "absl/strings/str_cat.h"

namespace berth::docker::websocket {
namespace {

// RFC 6455 section 1.3.
constexpr char kKeyGuid[] = "258EAFA5-E914-47DA-95CA-C5AB0DC85B11";
constexpr size_t kMaxControlPayload = 125;

bool IsControl(uint8_t opcode) { return (opcode & 0x8) != 0; }

}  // namespace

std::string AcceptKey(std::string_view key) {
  std::string text = absl::StrCat(std::string(key), kKeyGuid);
  unsigned char digest[20];
  gnutls_hash_fast(GNUTLS_DIG_SHA1, text.data(), text.size(), digest);
  return absl::Base64Escape(
      absl::string_view(reinterpret_cast<const char*>(digest), sizeof(digest)));
}

std::string Frame(Opcode opcode, std::string_view payload) {
  std::string frame;
  frame.reserve(payload.size() + 10);
  frame.push_back(static_cast<char>(0x80 | opcode));
  uint64_t size = payload.size();
  if (size < 126) {
    frame.push_back(static_cast<char>(size));
  } else if (size <= 0xFFFF) {
    frame.push_back(static_cast<char>(126));
    frame.push_back(static_cast<char>(size >> 8));
    frame.push_back(static_cast<char>(size));
  } else {
    frame.push_back(static_cast<char>(127));
    for (int shift = 56; shift >= 0; shift -= 8) frame.push_back(static_cast<char>(size >> shift));
  }
  frame.append(payload);
  return frame;
}

std::string CloseFrame(uint16_t code, std::string_view reason) {
  std::string payload;
  payload.push_back(static_cast<char>(code >> 8));
  payload.push_back(static_cast<char>(code));
  payload.append(reason.substr(0, kMaxControlPayload - 2));
  return Frame(kClose, payload);
}

bool Decoder::Fail(uint16_t code, std::string message) {
  state_ = State::kFailed;
  error_code_ = code;
  error_ = std::move(message);
  return false;
}

bool Decoder::StartFrame(bool* complete) {
  *complete = false;
  if (header_.size() < 2) return true;
  auto byte = [this](size_t i) { return static_cast<uint8_t>(header_[i]); };
  uint8_t length7 = byte(1) & 0x7F;
  size_t needed = 2 + (length7 == 126 ? 2 : length7 == 127 ? 8 : 0) + 4;
  // The first two bytes already tell a broken frame: fail before waiting
  // for the rest of a header that may never come.
  if ((byte(0) & 0x70) != 0) return Fail(kProtocolError, "reserved bits set");
  uint8_t opcode = byte(0) & 0x0F;
  if (opcode != kContinuation && opcode != kText && opcode != kBinary && opcode != kClose &&
      opcode != kPing && opcode != kPong) {
    return Fail(kProtocolError, absl::StrCat("unknown opcode ", opcode));
  }
  if ((byte(1) & 0x80) == 0) return Fail(kProtocolError, "unmasked client frame");
  bool fin = (byte(0) & 0x80) != 0;
  if (IsControl(opcode) && (!fin || length7 > kMaxControlPayload)) {
    return Fail(kProtocolError, "control frame fragmented or longer than 125 bytes");
  }
  if (header_.size() < needed) return true;
  uint64_t length = length7;
  if (length7 == 126) {
    length = (uint64_t{byte(2)} << 8) | byte(3);
    if (length < 126) return Fail(kProtocolError, "frame length not minimally encoded");
  } else if (length7 == 127) {
    length = 0;
    for (size_t i = 2; i < 10; ++i) length = (length << 8) | byte(i);
    if ((length >> 63) != 0) return Fail(kProtocolError, "frame length out of range");
    if (length <= 0xFFFF) return Fail(kProtocolError, "frame length not minimally encoded");
  }
  if (length > max_frame_payload_) {
    return Fail(kMessageTooBig, absl::StrCat("frame of ", length, " bytes"));
  }
  if (opcode == kContinuation && !in_message_) {
    return Fail(kProtocolError, "continuation frame outside a message");
  }
  if ((opcode == kText || opcode == kBinary) && in_message_) {
    return Fail(kProtocolError, "new message inside a fragmented one");
  }
  if (!IsControl(opcode)) in_message_ = !fin;
  for (int i = 0; i < 4; ++i) mask_[i] = byte(needed - 4 + static_cast<size_t>(i));
  opcode_ = static_cast<Opcode>(opcode);
  remaining_ = length;
  offset_ = 0;
  control_.clear();
  header_.clear();
  state_ = State::kPayload;
  *complete = true;
  return true;
}

void Decoder::Payload(std::string_view* bytes, std::vector<Event>* events) {
  size_t n = static_cast<size_t>(std::min<uint64_t>(remaining_, bytes->size()));
  std::string piece(bytes->substr(0, n));
  for (char& c : piece) c = static_cast<char>(c ^ mask_[offset_++ % 4]);
  bytes->remove_prefix(n);
  remaining_ -= n;
  if (IsControl(opcode_)) {
    control_ += piece;
  } else if (!piece.empty()) {
    if (!events->empty() && events->back().kind == Event::kData) {
      events->back().payload += piece;
    } else {
      events->push_back({Event::kData, std::move(piece)});
    }
  }
}

bool Decoder::EndFrame(std::vector<Event>* events) {
  state_ = State::kHeader;
  switch (opcode_) {
    case kPing:
      events->push_back({Event::kPing, std::move(control_)});
      break;
    case kPong:
      events->push_back({Event::kPong, std::move(control_)});
      break;
    case kClose: {
      if (control_.size() == 1) return Fail(kProtocolError, "close frame of one byte");
      Event event{Event::kClose, ""};
      if (control_.size() >= 2) {
        event.code = static_cast<uint16_t>((static_cast<uint8_t>(control_[0]) << 8) |
                                           static_cast<uint8_t>(control_[1]));
        event.payload = control_.substr(2);
      }
      events->push_back(std::move(event));
      break;
    }
    default:
      break;
  }
  return true;
}

bool Decoder::Feed(std::string_view bytes, std::vector<Event>* events) {
  if (state_ == State::kFailed) return false;
  while (!bytes.empty() || (state_ == State::kPayload && remaining_ == 0)) {
    if (state_ == State::kHeader) {
      // Headers are at most 14 bytes: take one byte at a time until whole.
      header_.push_back(bytes.front());
      bytes.remove_prefix(1);
      bool complete = false;
      if (!StartFrame(&complete)) return false;
      if (!complete) continue;
    }
    Payload(&bytes, events);
    if (remaining_ == 0 && !EndFrame(events)) return false;
  }
  return true;
}

}  // namespace berth::docker::websocket
