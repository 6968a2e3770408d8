#ifndef BERTH_SERVICES_IMAGES_CONTENT_STORE_H_
#define BERTH_SERVICES_IMAGES_CONTENT_STORE_H_

// The content-addressed blob store every image shares:
//   <root>/blobs/sha256/<hex>   committed blobs, named by their digest
//   <root>/ingest/<hex>/data    blobs being written (kept for resuming)
// A blob is written to its ingest file, fsynced, checked against the
// expected size and digest, and only then renamed into blobs/: a crash or a
// bad download never leaves a wrong blob under a digest's name.

#include <cstdint>
#include <memory>
#include <string>

#include "absl/status/statusor.h"
#include "services/common/digest/sha256.h"

namespace berth::images {

// "sha256:<64 lowercase hex>"; the hex part, or an error naming the digest.
absl::StatusOr<std::string> DigestHex(const std::string& digest);

class ContentWriter {
 public:
  ~ContentWriter();
  ContentWriter(const ContentWriter&) = delete;
  ContentWriter& operator=(const ContentWriter&) = delete;

  // Bytes already written (a resumed ingest starts here).
  int64_t offset() const { return offset_; }
  absl::Status Write(const char* data, size_t size);
  // Verifies size and digest, then moves the blob into place. Idempotent if
  // the blob already exists.
  absl::Status Commit();
  // Forgets the partial data (e.g. after a digest mismatch).
  void Discard();

 private:
  friend class ContentStore;
  ContentWriter(std::string digest, int64_t expected_size, std::string ingest_dir,
                std::string blob_path, int fd, int64_t offset);

  std::string digest_;
  int64_t expected_size_;
  std::string ingest_dir_;
  std::string blob_path_;
  int fd_;
  int64_t offset_;
  std::unique_ptr<Sha256> hash_ = std::make_unique<Sha256>();
};

class ContentStore {
 public:
  static absl::StatusOr<std::unique_ptr<ContentStore>> Open(std::string root);

  std::string BlobPath(const std::string& hex) const;
  bool Exists(const std::string& digest) const;
  absl::StatusOr<int64_t> Size(const std::string& digest) const;
  absl::StatusOr<std::string> ReadAll(const std::string& digest, int64_t limit = 16 << 20) const;
  // Starts or resumes writing a blob; the partial data of an interrupted
  // download is rehashed so the digest covers the whole blob.
  absl::StatusOr<std::unique_ptr<ContentWriter>> Writer(const std::string& digest,
                                                        int64_t expected_size);
  // Writes a small blob in one go (manifests, configs).
  absl::Status Put(const std::string& digest, const std::string& data);
  // Moves a file the caller wrote and hashed (to `digest`) into place.
  absl::Status Adopt(const std::string& path, const std::string& digest);
  // A fresh private path under ingest/ for such a file.
  std::string TempPath() const;
  absl::Status Delete(const std::string& digest);
  // Rehashes a stored blob; DataLoss if it does not match its name.
  absl::Status Verify(const std::string& digest) const;

  const std::string& root() const { return root_; }

 private:
  explicit ContentStore(std::string root) : root_(std::move(root)) {}
  std::string root_;
};

}  // namespace berth::images

#endif  // BERTH_SERVICES_IMAGES_CONTENT_STORE_H_
