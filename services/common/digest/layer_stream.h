#ifndef BERTH_SERVICES_COMMON_DIGEST_LAYER_STREAM_H_
#define BERTH_SERVICES_COMMON_DIGEST_LAYER_STREAM_H_

// A layer blob as it is read: the compressed bytes are hashed (the layer's
// digest), decompressed (gzip, zstd or none, told apart by their magic
// numbers) and hashed again (the diff id), in one pass.

#include <cstdint>
#include <functional>
#include <memory>
#include <string>

#include "absl/status/statusor.h"
#include "services/common/digest/sha256.h"

namespace berth {

// Where compressed bytes come from: a file, a gRPC stream. Returns 0 at the
// end.
using ByteSource = std::function<absl::StatusOr<size_t>(char* buffer, size_t size)>;

ByteSource FileSource(int fd);

enum class Compression { kNone, kGzip, kZstd };

class LayerStream {
 public:
  explicit LayerStream(ByteSource source);
  ~LayerStream();
  LayerStream(const LayerStream&) = delete;
  LayerStream& operator=(const LayerStream&) = delete;

  // Uncompressed bytes; 0 at the end of the layer.
  absl::StatusOr<size_t> Read(char* buffer, size_t size);
  // Reads to the end, so that the digests cover the whole blob.
  absl::Status Drain();

  Compression compression() const { return compression_; }
  std::string Digest() { return compressed_hash_.Digest(); }
  std::string DiffId() { return uncompressed_hash_.Digest(); }
  int64_t compressed_size() const { return compressed_size_; }
  int64_t uncompressed_size() const { return uncompressed_size_; }

 private:
  absl::StatusOr<size_t> ReadCompressed(char* buffer, size_t size);
  absl::Status Detect();

  ByteSource source_;
  Sha256 compressed_hash_;
  Sha256 uncompressed_hash_;
  int64_t compressed_size_ = 0;
  int64_t uncompressed_size_ = 0;
  bool detected_ = false;
  bool input_done_ = false;
  bool output_done_ = false;
  Compression compression_ = Compression::kNone;
  std::string input_;
  size_t input_offset_ = 0;
  struct Codec;
  std::unique_ptr<Codec> codec_;
};

}  // namespace berth

#endif  // BERTH_SERVICES_COMMON_DIGEST_LAYER_STREAM_H_
