#include "services/builder/context/libarchive_util.h"

#include "absl/strings/str_cat.h"

namespace berth::buildcontext {

absl::Status ArchiveError(struct archive* a, const std::string& what) {
  const char* message = archive_error_string(a);
  return absl::InternalError(absl::StrCat(what, ": ", message ? message : "unknown error"));
}

ArchiveReader NewTarReader() {
  ArchiveReader in(archive_read_new());
  archive_read_support_format_tar(in.get());
  archive_read_support_filter_gzip(in.get());
  archive_read_support_filter_bzip2(in.get());
  archive_read_support_filter_xz(in.get());
  archive_read_support_filter_zstd(in.get());
  return in;
}

PaxWriter::PaxWriter(const archive::WriteChunk& write) : write_(write), out_(archive_write_new()) {}

la_ssize_t PaxWriter::Callback(struct archive*, void* opaque, const void* buffer, size_t length) {
  auto* self = static_cast<PaxWriter*>(opaque);
  if (!self->write_(static_cast<const char*>(buffer), length)) {
    self->reader_gone_ = true;
    return -1;
  }
  return static_cast<la_ssize_t>(length);
}

absl::Status PaxWriter::Failed(const std::string& what) {
  if (reader_gone_) return absl::UnavailableError("tar: the reader went away");
  return ArchiveError(out_.get(), what);
}

absl::Status PaxWriter::Open() {
  archive_write_set_format_pax_restricted(out_.get());
  archive_write_set_bytes_in_last_block(out_.get(), 1);
  if (archive_write_open(out_.get(), this, nullptr, Callback, nullptr) != ARCHIVE_OK) {
    return Failed("start tar");
  }
  return absl::OkStatus();
}

absl::Status PaxWriter::WriteHeader(archive_entry* entry) {
  archive_entry_set_uname(entry, nullptr);
  archive_entry_set_gname(entry, nullptr);
  if (archive_write_header(out_.get(), entry) < ARCHIVE_WARN) {
    return Failed(absl::StrCat("write ", archive_entry_pathname(entry)));
  }
  return absl::OkStatus();
}

absl::Status PaxWriter::WriteData(const char* data, size_t size) {
  if (archive_write_data(out_.get(), data, size) != static_cast<la_ssize_t>(size)) {
    return Failed("write data");
  }
  return absl::OkStatus();
}

absl::Status PaxWriter::Close() {
  if (archive_write_close(out_.get()) != ARCHIVE_OK) return Failed("finish tar");
  return absl::OkStatus();
}

}  // namespace berth::buildcontext
