#ifndef BERTH_SERVICES_CRI_STREAMING_SPDY_HEADERS_H_
#define BERTH_SERVICES_CRI_STREAMING_SPDY_HEADERS_H_

// SPDY/3 header blocks (SYN_STREAM, SYN_REPLY, HEADERS): a 32-bit count of
// pairs, each a 32-bit length and a lowercase name, a 32-bit length and a
// value (several values of one name joined by NUL). On the wire a block is
// zlib-compressed with the SPDY dictionary, in ONE zlib stream per direction
// that lives as long as the connection: each block ends with a sync flush,
// so a compressor or decompressor must see every block of its direction, in
// order.

#include <zlib.h>

#include <memory>
#include <string>
#include <string_view>
#include <utility>
#include <vector>

#include "absl/status/statusor.h"

namespace berth::cri::streaming {

using SpdyHeaders = std::vector<std::pair<std::string, std::string>>;

// The first value of a header (names compare case-insensitively, as the Go
// clients capitalise "streamType" but send it lowercase), or "".
std::string HeaderValue(const SpdyHeaders& headers, std::string_view name);

// The uncompressed block; names are lowercased, as the draft requires.
std::string EncodeHeaderBlock(const SpdyHeaders& headers);
// Refuses a block that is cut short, has bytes past its last pair, an empty
// or repeated name (the draft's PROTOCOL_ERROR cases).
absl::StatusOr<SpdyHeaders> DecodeHeaderBlock(std::string_view block);

// One direction's deflate stream.
class HeaderCompressor {
 public:
  HeaderCompressor();
  ~HeaderCompressor();
  HeaderCompressor(const HeaderCompressor&) = delete;
  HeaderCompressor& operator=(const HeaderCompressor&) = delete;

  absl::StatusOr<std::string> Compress(const SpdyHeaders& headers);

 private:
  z_stream zs_{};
  bool ready_ = false;
};

// One direction's inflate stream. A block inflating to more than
// max_block_bytes is refused (a small frame must not cost the reader much
// memory).
class HeaderDecompressor {
 public:
  explicit HeaderDecompressor(size_t max_block_bytes = 256 << 10);
  ~HeaderDecompressor();
  HeaderDecompressor(const HeaderDecompressor&) = delete;
  HeaderDecompressor& operator=(const HeaderDecompressor&) = delete;

  absl::StatusOr<SpdyHeaders> Decompress(std::string_view compressed);

 private:
  z_stream zs_{};
  bool ready_ = false;
  size_t max_block_bytes_;
};

}  // namespace berth::cri::streaming

#endif  // BERTH_SERVICES_CRI_STREAMING_SPDY_HEADERS_H_
