#ifndef BERTH_SERVICES_BUILDER_CONTEXT_LIBARCHIVE_UTIL_H_
#define BERTH_SERVICES_BUILDER_CONTEXT_LIBARCHIVE_UTIL_H_

// libarchive handles owned by RAII, its errors as absl::Status, and the
// pax writer the builder's tars go through (uncompressed, numeric ids only:
// the service that applies them must not consult a user database).

#include <archive.h>
#include <archive_entry.h>

#include <memory>
#include <string>

#include "absl/status/status.h"
#include "services/common/archive/tree_tar.h"

namespace berth::buildcontext {

struct ArchiveReadFree {
  void operator()(struct archive* a) const { archive_read_free(a); }
};
struct ArchiveWriteFree {
  void operator()(struct archive* a) const { archive_write_free(a); }
};
struct ArchiveEntryFree {
  void operator()(archive_entry* e) const { archive_entry_free(e); }
};
using ArchiveReader = std::unique_ptr<struct archive, ArchiveReadFree>;
using ArchiveWriter = std::unique_ptr<struct archive, ArchiveWriteFree>;
using ArchiveEntry = std::unique_ptr<archive_entry, ArchiveEntryFree>;

absl::Status ArchiveError(struct archive* a, const std::string& what);

// A reader for tars as docker's DecompressStream accepts them: plain,
// gzip, bzip2, xz or zstd.
ArchiveReader NewTarReader();

class PaxWriter {
 public:
  explicit PaxWriter(const archive::WriteChunk& write);
  absl::Status Open();
  // Writes entry's header with user and group names removed.
  absl::Status WriteHeader(archive_entry* entry);
  absl::Status WriteData(const char* data, size_t size);
  absl::Status Close();

 private:
  static la_ssize_t Callback(struct archive*, void* opaque, const void* buffer, size_t length);
  absl::Status Failed(const std::string& what);

  const archive::WriteChunk& write_;
  ArchiveWriter out_;
  bool reader_gone_ = false;
};

}  // namespace berth::buildcontext

#endif  // BERTH_SERVICES_BUILDER_CONTEXT_LIBARCHIVE_UTIL_H_
