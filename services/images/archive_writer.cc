#include "services/images/archive_writer.h"

#include <archive.h>
#include <archive_entry.h>
#include <fcntl.h>
#include <unistd.h>

#include "absl/strings/str_cat.h"

namespace berth::images {
namespace {

la_ssize_t WriteCallback(archive*, void* data, const void* buffer, size_t length) {
  auto* sink = static_cast<std::function<bool(const char*, size_t)>*>(data);
  return (*sink)(static_cast<const char*>(buffer), length) ? static_cast<la_ssize_t>(length) : -1;
}

}  // namespace

TarStreamWriter::TarStreamWriter(std::function<bool(const char*, size_t)> sink)
    : sink_(std::move(sink)), archive_(archive_write_new()) {
  archive_write_set_format_pax_restricted(archive_);
  archive_write_set_bytes_per_block(archive_, 64 * 1024);
  archive_write_open(archive_, &sink_, nullptr, WriteCallback, nullptr);
}

TarStreamWriter::~TarStreamWriter() {
  if (!closed_) (void)Close();
  archive_write_free(archive_);
}

absl::Status TarStreamWriter::Error(const std::string& what) {
  return absl::InternalError(absl::StrCat(what, ": ", archive_error_string(archive_)));
}

absl::Status TarStreamWriter::Header(const std::string& path, unsigned type, int64_t size,
                                     int mode) {
  archive_entry* entry = archive_entry_new();
  archive_entry_set_pathname(entry, path.c_str());
  archive_entry_set_filetype(entry, type);
  archive_entry_set_perm(entry, mode);
  archive_entry_set_size(entry, size);
  archive_entry_set_mtime(entry, 0, 0);
  int rc = archive_write_header(archive_, entry);
  archive_entry_free(entry);
  if (rc != ARCHIVE_OK) return Error("write " + path);
  return absl::OkStatus();
}

absl::Status TarStreamWriter::AddDirectory(const std::string& path) {
  return Header(path, AE_IFDIR, 0, 0755);
}

absl::Status TarStreamWriter::AddFile(const std::string& path, const std::string& content) {
  if (absl::Status status = Header(path, AE_IFREG, static_cast<int64_t>(content.size()), 0644);
      !status.ok()) {
    return status;
  }
  if (archive_write_data(archive_, content.data(), content.size()) < 0) return Error("write " + path);
  return absl::OkStatus();
}

absl::Status TarStreamWriter::AddFileFrom(const std::string& path, const std::string& source,
                                          int64_t size) {
  int fd = ::open(source.c_str(), O_RDONLY | O_CLOEXEC);
  if (fd < 0) return absl::ErrnoToStatus(errno, "open " + source);
  absl::Status status = Header(path, AE_IFREG, size, 0644);
  char buffer[1 << 16];
  int64_t left = size;
  while (status.ok() && left > 0) {
    ssize_t n = ::read(fd, buffer, sizeof(buffer));
    if (n <= 0) {
      status = absl::DataLossError(absl::StrCat(source, " is shorter than ", size, " bytes"));
      break;
    }
    if (archive_write_data(archive_, buffer, static_cast<size_t>(n)) < 0) status = Error("write " + path);
    left -= n;
  }
  ::close(fd);
  return status;
}

absl::Status TarStreamWriter::Close() {
  closed_ = true;
  if (archive_write_close(archive_) != ARCHIVE_OK) return Error("close archive");
  return absl::OkStatus();
}

}  // namespace berth::images
