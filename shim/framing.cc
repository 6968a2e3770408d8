#include "shim/framing.h"

#include <errno.h>
#include <unistd.h>

#include "absl/strings/str_cat.h"
#include "services/common/base/write_all.h"

namespace berth::shim {
namespace {

void PutU32(std::string* out, uint32_t value) {
  out->push_back(static_cast<char>(value >> 24));
  out->push_back(static_cast<char>(value >> 16));
  out->push_back(static_cast<char>(value >> 8));
  out->push_back(static_cast<char>(value));
}

uint32_t GetU32(const char* p) {
  auto b = reinterpret_cast<const unsigned char*>(p);
  return (uint32_t{b[0]} << 24) | (uint32_t{b[1]} << 16) | (uint32_t{b[2]} << 8) | b[3];
}

absl::Status CheckHeader(uint32_t length, uint8_t type) {
  if (length > kMaxPayload) {
    return absl::InvalidArgumentError(
        absl::StrCat("shim frame of ", length, " bytes exceeds the limit of ", kMaxPayload));
  }
  if (type < 1 || type > 3) {
    return absl::InvalidArgumentError(absl::StrCat("shim frame of unknown type ", type));
  }
  return absl::OkStatus();
}

// Reads exactly size bytes; returns the number read before EOF.
absl::StatusOr<size_t> ReadFull(int fd, char* data, size_t size) {
  size_t done = 0;
  while (done < size) {
    ssize_t n = ::read(fd, data + done, size - done);
    if (n < 0 && errno == EINTR) continue;
    if (n < 0) return absl::ErrnoToStatus(errno, "read shim frame");
    if (n == 0) break;
    done += static_cast<size_t>(n);
  }
  return done;
}

}  // namespace

std::string EncodeFrame(const Frame& frame) {
  std::string out;
  out.reserve(kHeaderSize + frame.payload.size());
  PutU32(&out, static_cast<uint32_t>(frame.payload.size()));
  PutU32(&out, frame.stream_id);
  out.push_back(static_cast<char>(frame.type));
  out.push_back(static_cast<char>(frame.flags));
  out += frame.payload;
  return out;
}

absl::Status FrameDecoder::Feed(const char* data, size_t size) {
  // Drop consumed bytes before growing, so the buffer stays one frame big.
  if (offset_ > 0 && offset_ == buffer_.size()) {
    buffer_.clear();
    offset_ = 0;
  } else if (offset_ > 64 * 1024) {
    buffer_.erase(0, offset_);
    offset_ = 0;
  }
  buffer_.append(data, size);
  if (buffered() >= kHeaderSize) {
    const char* header = buffer_.data() + offset_;
    return CheckHeader(GetU32(header), static_cast<uint8_t>(header[8]));
  }
  return absl::OkStatus();
}

std::optional<Frame> FrameDecoder::Next() {
  if (buffered() < kHeaderSize) return std::nullopt;
  const char* header = buffer_.data() + offset_;
  uint32_t length = GetU32(header);
  if (!CheckHeader(length, static_cast<uint8_t>(header[8])).ok()) return std::nullopt;
  if (buffered() < kHeaderSize + length) return std::nullopt;
  Frame frame;
  frame.stream_id = GetU32(header + 4);
  frame.type = static_cast<FrameType>(header[8]);
  frame.flags = static_cast<uint8_t>(header[9]);
  frame.payload.assign(header + kHeaderSize, length);
  offset_ += kHeaderSize + length;
  return frame;
}

absl::Status WriteFrame(int fd, const Frame& frame) {
  if (frame.payload.size() > kMaxPayload) {
    return absl::InvalidArgumentError(absl::StrCat("shim frame of ", frame.payload.size(),
                                                   " bytes exceeds the limit of ", kMaxPayload));
  }
  std::string bytes = EncodeFrame(frame);
  return WriteAll(fd, bytes, "shim frame");
}

absl::StatusOr<Frame> ReadFrame(int fd) {
  char header[kHeaderSize];
  absl::StatusOr<size_t> got = ReadFull(fd, header, kHeaderSize);
  if (!got.ok()) return got.status();
  if (*got == 0) return absl::OutOfRangeError("shim connection closed");
  if (*got < kHeaderSize) return absl::DataLossError("shim connection closed inside a frame");
  uint32_t length = GetU32(header);
  if (absl::Status status = CheckHeader(length, static_cast<uint8_t>(header[8])); !status.ok()) {
    return status;
  }
  Frame frame;
  frame.stream_id = GetU32(header + 4);
  frame.type = static_cast<FrameType>(header[8]);
  frame.flags = static_cast<uint8_t>(header[9]);
  frame.payload.resize(length);
  got = ReadFull(fd, frame.payload.data(), length);
  if (!got.ok()) return got.status();
  if (*got < length) return absl::DataLossError("shim connection closed inside a frame");
  return frame;
}

}  // namespace berth::shim
