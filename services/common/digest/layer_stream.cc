#include "services/common/digest/layer_stream.h"

#include <unistd.h>
#include <zlib.h>
#include <zstd.h>

#include <cerrno>
#include <cstring>

#include "absl/strings/str_cat.h"

namespace berth {

ByteSource FileSource(int fd) {
  return [fd](char* buffer, size_t size) -> absl::StatusOr<size_t> {
    while (true) {
      ssize_t n = ::read(fd, buffer, size);
      if (n >= 0) return static_cast<size_t>(n);
      if (errno != EINTR) return absl::ErrnoToStatus(errno, "read layer");
    }
  };
}

struct LayerStream::Codec {
  z_stream gzip{};
  bool gzip_ready = false;
  ZSTD_DStream* zstd = nullptr;
  bool zstd_frame_complete = false;
  ~Codec() {
    if (gzip_ready) inflateEnd(&gzip);
    if (zstd != nullptr) ZSTD_freeDStream(zstd);
  }
};

LayerStream::LayerStream(ByteSource source)
    : source_(std::move(source)), codec_(std::make_unique<Codec>()) {}

LayerStream::~LayerStream() = default;

absl::StatusOr<size_t> LayerStream::ReadCompressed(char* buffer, size_t size) {
  auto n = source_(buffer, size);
  if (!n.ok()) return n.status();
  compressed_hash_.Update(buffer, *n);
  compressed_size_ += static_cast<int64_t>(*n);
  return n;
}

// Fills input_ with at least the first bytes and picks the codec.
absl::Status LayerStream::Detect() {
  detected_ = true;
  char buffer[64 * 1024];
  while (input_.size() < 4 && !input_done_) {
    auto n = ReadCompressed(buffer, sizeof(buffer));
    if (!n.ok()) return n.status();
    if (*n == 0) input_done_ = true;
    input_.append(buffer, *n);
  }
  const auto* magic = reinterpret_cast<const unsigned char*>(input_.data());
  if (input_.size() >= 2 && magic[0] == 0x1f && magic[1] == 0x8b) {
    compression_ = Compression::kGzip;
    // 16 + MAX_WBITS: expect a gzip header and trailer.
    if (inflateInit2(&codec_->gzip, 16 + MAX_WBITS) != Z_OK) {
      return absl::InternalError("gzip: cannot initialise");
    }
    codec_->gzip_ready = true;
  } else if (input_.size() >= 4 && magic[0] == 0x28 && magic[1] == 0xb5 && magic[2] == 0x2f &&
             magic[3] == 0xfd) {
    compression_ = Compression::kZstd;
    codec_->zstd = ZSTD_createDStream();
    ZSTD_initDStream(codec_->zstd);
  }
  return absl::OkStatus();
}

absl::StatusOr<size_t> LayerStream::Read(char* out, size_t size) {
  if (!detected_) {
    if (absl::Status status = Detect(); !status.ok()) return status;
  }
  if (output_done_ || size == 0) return 0;
  size_t produced = 0;
  while (produced == 0) {
    if (input_offset_ == input_.size() && !input_done_) {
      input_.resize(128 * 1024);
      auto n = ReadCompressed(input_.data(), input_.size());
      if (!n.ok()) return n.status();
      input_.resize(*n);
      input_offset_ = 0;
      if (*n == 0) input_done_ = true;
    }
    size_t available = input_.size() - input_offset_;
    const char* in = input_.data() + input_offset_;
    if (compression_ == Compression::kNone) {
      if (available == 0) break;
      produced = std::min(size, available);
      std::memcpy(out, in, produced);
      input_offset_ += produced;
    } else if (compression_ == Compression::kGzip) {
      z_stream& z = codec_->gzip;
      z.next_in = reinterpret_cast<Bytef*>(const_cast<char*>(in));
      z.avail_in = static_cast<uInt>(available);
      z.next_out = reinterpret_cast<Bytef*>(out);
      z.avail_out = static_cast<uInt>(size);
      int rc = inflate(&z, Z_NO_FLUSH);
      input_offset_ += available - z.avail_in;
      produced = size - z.avail_out;
      if (rc == Z_STREAM_END) {
        output_done_ = true;
        break;
      }
      if (rc != Z_OK && rc != Z_BUF_ERROR) {
        return absl::DataLossError(absl::StrCat("gzip: ", z.msg ? z.msg : "corrupt data"));
      }
      if (produced == 0 && available == 0 && input_done_) {
        return absl::DataLossError("gzip: unexpected end of data");
      }
    } else {
      if (available == 0 && input_done_) {
        // All input consumed: fine only at the end of a frame.
        if (!codec_->zstd_frame_complete) {
          return absl::DataLossError("zstd: unexpected end of data");
        }
        output_done_ = true;
        break;
      }
      ZSTD_inBuffer input{in, available, 0};
      ZSTD_outBuffer output{out, size, 0};
      size_t rc = ZSTD_decompressStream(codec_->zstd, &output, &input);
      if (ZSTD_isError(rc)) {
        return absl::DataLossError(absl::StrCat("zstd: ", ZSTD_getErrorName(rc)));
      }
      input_offset_ += input.pos;
      produced = output.pos;
      codec_->zstd_frame_complete = rc == 0;
    }
  }
  uncompressed_hash_.Update(out, produced);
  uncompressed_size_ += static_cast<int64_t>(produced);
  return produced;
}

absl::Status LayerStream::Drain() {
  char buffer[64 * 1024];
  while (true) {
    auto n = Read(buffer, sizeof(buffer));
    if (!n.ok()) return n.status();
    if (*n == 0) break;
  }
  // Trailing bytes after a compressed stream still belong to the blob.
  while (!input_done_) {
    char discard[64 * 1024];
    auto n = ReadCompressed(discard, sizeof(discard));
    if (!n.ok()) return n.status();
    if (*n == 0) input_done_ = true;
  }
  return absl::OkStatus();
}

}  // namespace berth
