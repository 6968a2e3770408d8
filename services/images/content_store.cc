#include "services/images/content_store.h"

#include <fcntl.h>
#include <sys/stat.h>
#include <unistd.h>

#include <cerrno>

#include "absl/strings/ascii.h"
#include "absl/strings/match.h"
#include "absl/strings/str_cat.h"
#include "absl/strings/strip.h"
#include "services/common/fs/fs_util.h"
#include "services/common/base/write_all.h"

namespace berth::images {
namespace {

absl::Status FsyncDir(const std::string& path) {
  int fd = ::open(path.c_str(), O_RDONLY | O_DIRECTORY | O_CLOEXEC);
  if (fd < 0) return absl::ErrnoToStatus(errno, "open " + path);
  int rc = ::fsync(fd);
  ::close(fd);
  return rc == 0 ? absl::OkStatus() : absl::ErrnoToStatus(errno, "fsync " + path);
}

// Hashes a file (or its first `limit` bytes when limit >= 0).
absl::StatusOr<std::string> HashFile(int fd, Sha256* hash) {
  char buffer[1 << 16];
  while (true) {
    ssize_t n = ::read(fd, buffer, sizeof(buffer));
    if (n < 0 && errno == EINTR) continue;
    if (n < 0) return absl::ErrnoToStatus(errno, "read");
    if (n == 0) break;
    hash->Update(buffer, static_cast<size_t>(n));
  }
  return hash->Digest();
}

}  // namespace

absl::StatusOr<std::string> DigestHex(const std::string& digest) {
  absl::string_view hex(digest);
  if (!absl::ConsumePrefix(&hex, "sha256:")) {
    return absl::InvalidArgumentError(
        absl::StrCat("unsupported digest \"", digest, "\" (only sha256)"));
  }
  if (hex.size() != 64) {
    return absl::InvalidArgumentError(absl::StrCat("invalid digest \"", digest, "\""));
  }
  for (char c : hex) {
    if (!absl::ascii_isxdigit(c) || absl::ascii_isupper(c)) {
      return absl::InvalidArgumentError(absl::StrCat("invalid digest \"", digest, "\""));
    }
  }
  return std::string(hex);
}

ContentWriter::ContentWriter(std::string digest, int64_t expected_size, std::string ingest_dir,
                             std::string blob_path, int fd, int64_t offset)
    : digest_(std::move(digest)), expected_size_(expected_size),
      ingest_dir_(std::move(ingest_dir)), blob_path_(std::move(blob_path)), fd_(fd),
      offset_(offset) {}

ContentWriter::~ContentWriter() {
  if (fd_ >= 0) ::close(fd_);
}

absl::Status ContentWriter::Write(const char* data, size_t size) {
  if (expected_size_ >= 0 && offset_ + static_cast<int64_t>(size) > expected_size_) {
    return absl::DataLossError(absl::StrCat(digest_, ": more data than the expected ",
                                            expected_size_, " bytes"));
  }
  if (absl::Status status = WriteAll(fd_, std::string_view(data, size), digest_); !status.ok()) {
    return status;
  }
  hash_->Update(data, size);
  offset_ += static_cast<int64_t>(size);
  return absl::OkStatus();
}

absl::Status ContentWriter::Commit() {
  if (expected_size_ >= 0 && offset_ != expected_size_) {
    return absl::DataLossError(absl::StrCat(digest_, ": size ", offset_, ", expected ",
                                            expected_size_));
  }
  std::string actual = hash_->Digest();
  if (actual != digest_) {
    Discard();
    return absl::DataLossError(absl::StrCat(digest_, ": digest mismatch (got ", actual, ")"));
  }
  if (::fsync(fd_) != 0) return absl::ErrnoToStatus(errno, absl::StrCat("fsync ", digest_));
  ::close(fd_);
  fd_ = -1;
  std::string data = ingest_dir_ + "/data";
  ::chmod(data.c_str(), 0444);
  if (::rename(data.c_str(), blob_path_.c_str()) != 0) {
    return absl::ErrnoToStatus(errno, absl::StrCat("commit ", digest_));
  }
  // The rename must survive a crash before anyone relies on the blob.
  absl::Status synced = FsyncDir(blob_path_.substr(0, blob_path_.rfind('/')));
  (void)fs::RemoveAll(ingest_dir_);
  return synced;
}

void ContentWriter::Discard() {
  if (fd_ >= 0) ::close(fd_);
  fd_ = -1;
  (void)fs::RemoveAll(ingest_dir_);
}

absl::StatusOr<std::unique_ptr<ContentStore>> ContentStore::Open(std::string root) {
  for (const char* sub : {"/blobs/sha256", "/ingest"}) {
    if (absl::Status status = fs::MakeDirectories(root + sub, 0700); !status.ok()) return status;
  }
  return std::unique_ptr<ContentStore>(new ContentStore(std::move(root)));
}

std::string ContentStore::BlobPath(const std::string& hex) const {
  return absl::StrCat(root_, "/blobs/sha256/", hex);
}

bool ContentStore::Exists(const std::string& digest) const {
  auto hex = DigestHex(digest);
  struct stat st;
  return hex.ok() && ::stat(BlobPath(*hex).c_str(), &st) == 0;
}

absl::StatusOr<int64_t> ContentStore::Size(const std::string& digest) const {
  auto hex = DigestHex(digest);
  if (!hex.ok()) return hex.status();
  struct stat st;
  if (::stat(BlobPath(*hex).c_str(), &st) != 0) {
    return absl::NotFoundError(absl::StrCat("content ", digest, ": not found"));
  }
  return static_cast<int64_t>(st.st_size);
}

absl::StatusOr<std::string> ContentStore::ReadAll(const std::string& digest, int64_t limit) const {
  auto size = Size(digest);
  if (!size.ok()) return size.status();
  if (*size > limit) {
    return absl::ResourceExhaustedError(absl::StrCat("content ", digest, ": ", *size,
                                                     " bytes is over the limit of ", limit));
  }
  int fd = ::open(BlobPath(*DigestHex(digest)).c_str(), O_RDONLY | O_CLOEXEC);
  if (fd < 0) return absl::ErrnoToStatus(errno, absl::StrCat("open ", digest));
  std::string data(static_cast<size_t>(*size), '\0');
  size_t done = 0;
  while (done < data.size()) {
    ssize_t n = ::read(fd, data.data() + done, data.size() - done);
    if (n <= 0) break;
    done += static_cast<size_t>(n);
  }
  ::close(fd);
  data.resize(done);
  return data;
}

absl::StatusOr<std::unique_ptr<ContentWriter>> ContentStore::Writer(const std::string& digest,
                                                                    int64_t expected_size) {
  auto hex = DigestHex(digest);
  if (!hex.ok()) return hex.status();
  std::string ingest = absl::StrCat(root_, "/ingest/", *hex);
  if (::mkdir(ingest.c_str(), 0700) != 0 && errno != EEXIST) {
    return absl::ErrnoToStatus(errno, "mkdir " + ingest);
  }
  int fd = ::open((ingest + "/data").c_str(), O_RDWR | O_CREAT | O_APPEND | O_CLOEXEC, 0600);
  if (fd < 0) return absl::ErrnoToStatus(errno, absl::StrCat("open ingest of ", digest));
  std::unique_ptr<ContentWriter> writer(
      new ContentWriter(digest, expected_size, ingest, BlobPath(*hex), fd, 0));
  // Resume: what an interrupted download left is hashed again.
  auto hashed = HashFile(fd, writer->hash_.get());
  if (!hashed.ok()) return hashed.status();
  struct stat st;
  ::fstat(fd, &st);
  writer->offset_ = static_cast<int64_t>(st.st_size);
  if (expected_size >= 0 && writer->offset_ > expected_size) {
    // Garbage from an earlier attempt: start over.
    if (::ftruncate(fd, 0) != 0) return absl::ErrnoToStatus(errno, "truncate ingest");
    writer->offset_ = 0;
    writer->hash_ = std::make_unique<Sha256>();
  }
  return writer;
}

absl::Status ContentStore::Put(const std::string& digest, const std::string& data) {
  if (Exists(digest)) return absl::OkStatus();
  auto writer = Writer(digest, static_cast<int64_t>(data.size()));
  if (!writer.ok()) return writer.status();
  if ((*writer)->offset() > 0) {
    (*writer)->Discard();
    writer = Writer(digest, static_cast<int64_t>(data.size()));
    if (!writer.ok()) return writer.status();
  }
  if (absl::Status status = (*writer)->Write(data.data(), data.size()); !status.ok()) {
    return status;
  }
  return (*writer)->Commit();
}

std::string ContentStore::TempPath() const {
  return absl::StrCat(root_, "/ingest/tmp-", fs::RandomHex(8));
}

absl::Status ContentStore::Adopt(const std::string& path, const std::string& digest) {
  auto hex = DigestHex(digest);
  if (!hex.ok()) return hex.status();
  int fd = ::open(path.c_str(), O_RDONLY | O_CLOEXEC);
  if (fd < 0) return absl::ErrnoToStatus(errno, "open " + path);
  int rc = ::fsync(fd);
  ::close(fd);
  if (rc != 0) return absl::ErrnoToStatus(errno, "fsync " + path);
  ::chmod(path.c_str(), 0444);
  if (::rename(path.c_str(), BlobPath(*hex).c_str()) != 0) {
    return absl::ErrnoToStatus(errno, absl::StrCat("commit ", digest));
  }
  return FsyncDir(root_ + "/blobs/sha256");
}

absl::Status ContentStore::Delete(const std::string& digest) {
  auto hex = DigestHex(digest);
  if (!hex.ok()) return hex.status();
  if (::unlink(BlobPath(*hex).c_str()) != 0 && errno != ENOENT) {
    return absl::ErrnoToStatus(errno, absl::StrCat("delete ", digest));
  }
  return absl::OkStatus();
}

absl::Status ContentStore::Verify(const std::string& digest) const {
  auto hex = DigestHex(digest);
  if (!hex.ok()) return hex.status();
  int fd = ::open(BlobPath(*hex).c_str(), O_RDONLY | O_CLOEXEC);
  if (fd < 0) return absl::ErrnoToStatus(errno, absl::StrCat("open ", digest));
  Sha256 hash;
  auto actual = HashFile(fd, &hash);
  ::close(fd);
  if (!actual.ok()) return actual.status();
  if (*actual != digest) {
    return absl::DataLossError(absl::StrCat("content ", digest, " hashes to ", *actual));
  }
  return absl::OkStatus();
}

}  // namespace berth::images
