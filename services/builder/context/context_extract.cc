#include "services/builder/context/context_extract.h"

#include <errno.h>
#include <stdlib.h>

#include <cstring>

#include "absl/strings/str_cat.h"
#include "services/builder/context/libarchive_util.h"

namespace berth::buildcontext {
namespace {

// A name of the context tar as a path below dir, or the refusal.
absl::StatusOr<std::string> ContextPath(const char* raw, const std::string& what) {
  std::string name = raw == nullptr ? "" : raw;
  if (name.empty()) return absl::InvalidArgumentError(absl::StrCat("build context: ", what, " has no name"));
  if (name[0] == '/') {
    return absl::InvalidArgumentError(
        absl::StrCat("build context: ", what, " \"", name, "\" is an absolute path"));
  }
  std::string cleaned;
  if (!archive::CleanEntryName(name, &cleaned)) {
    return absl::InvalidArgumentError(
        absl::StrCat("build context: ", what, " \"", name, "\" has a \"..\" component"));
  }
  return cleaned;
}

// Of a client's extended attributes only file capabilities are restored
// (docker's tars carry them, COPY keeps them); trusted.* or security.*
// others would be set by root on the host's filesystem.
void KeepOnlyCapabilities(archive_entry* entry) {
  if (archive_entry_xattr_reset(entry) == 0) return;
  std::string capability;
  bool found = false;
  const char* name = nullptr;
  const void* value = nullptr;
  size_t size = 0;
  while (archive_entry_xattr_next(entry, &name, &value, &size) == ARCHIVE_OK) {
    if (name != nullptr && std::strcmp(name, "security.capability") == 0) {
      capability.assign(static_cast<const char*>(value), size);
      found = true;
    }
  }
  archive_entry_xattr_clear(entry);
  if (found) archive_entry_xattr_add_entry(entry, "security.capability", capability.data(), capability.size());
}

}  // namespace

absl::StatusOr<ContextStats> ExtractContext(const archive::ReadChunk& read, const std::string& dir,
                                            const ExtractContextOptions& options) {
  // libarchive checks every component of the names it is given for
  // symlinks, dir's own included: resolve those once, they are ours.
  char* real = ::realpath(dir.c_str(), nullptr);
  if (real == nullptr) return absl::ErrnoToStatus(errno, absl::StrCat("build context: ", dir));
  std::string base(real);
  ::free(real);

  ArchiveReader in = NewTarReader();
  archive::ChunkSource state{&read, absl::OkStatus(), false};
  if (archive::OpenChunkReader(in.get(), &state) != ARCHIVE_OK) {
    if (!state.status.ok()) return state.status;
    return ArchiveError(in.get(), "build context");
  }
  ArchiveWriter disk(archive_write_disk_new());
  archive_write_disk_set_options(
      disk.get(), ARCHIVE_EXTRACT_PERM | ARCHIVE_EXTRACT_TIME | ARCHIVE_EXTRACT_OWNER |
                      ARCHIVE_EXTRACT_XATTR | ARCHIVE_EXTRACT_SECURE_SYMLINKS |
                      ARCHIVE_EXTRACT_SECURE_NODOTDOT);
  ContextStats stats;
  for (;;) {
    archive_entry* entry = nullptr;
    int rc = archive_read_next_header(in.get(), &entry);
    if (rc == ARCHIVE_EOF) break;
    if (rc < ARCHIVE_WARN) {
      if (!state.status.ok()) return state.status;
      return ArchiveError(in.get(), "build context");
    }
    const std::string raw_name = archive_entry_pathname(entry) ? archive_entry_pathname(entry) : "";
    absl::StatusOr<std::string> name = ContextPath(archive_entry_pathname(entry), "entry");
    if (!name.ok()) return name.status();
    if (*name == ".") continue;
    if (++stats.entries > options.max_entries) {
      return absl::ResourceExhaustedError(
          absl::StrCat("build context has more than ", options.max_entries, " entries"));
    }
    if (archive_entry_size_is_set(entry) &&
        stats.bytes + archive_entry_size(entry) > options.max_bytes) {
      return absl::ResourceExhaustedError(
          absl::StrCat("build context is larger than ", options.max_bytes, " bytes (at ", raw_name, ")"));
    }
    archive_entry_set_pathname(entry, absl::StrCat(base, "/", *name).c_str());
    if (const char* link = archive_entry_hardlink(entry); link != nullptr) {
      absl::StatusOr<std::string> target = ContextPath(link, absl::StrCat("hard link ", raw_name, " ->"));
      if (!target.ok()) return target.status();
      archive_entry_set_hardlink(entry, absl::StrCat(base, "/", *target).c_str());
    }
    KeepOnlyCapabilities(entry);
    // Numeric ids only: a name lookup would consult NSS.
    archive_entry_set_uname(entry, nullptr);
    archive_entry_set_gname(entry, nullptr);
    if (archive_write_header(disk.get(), entry) < ARCHIVE_WARN) {
      return ArchiveError(disk.get(), absl::StrCat("build context: extract ", raw_name));
    }
    int64_t entry_bytes = 0;
    bool cut_after_data = false;
    for (;;) {
      const void* block = nullptr;
      size_t size = 0;
      la_int64_t offset = 0;
      int data_rc = archive_read_data_block(in.get(), &block, &size, &offset);
      if (data_rc == ARCHIVE_EOF) break;
      if (data_rc < ARCHIVE_WARN) {
        if (!state.status.ok()) return state.status;
        // The docker CLI's tar for `build -f -` stops right after the last
        // entry's data (no padding, no end blocks): that entry is whole.
        if (state.ended && archive_entry_size_is_set(entry) &&
            entry_bytes == archive_entry_size(entry)) {
          cut_after_data = true;
          break;
        }
        return ArchiveError(in.get(), absl::StrCat("build context: read ", raw_name));
      }
      entry_bytes += static_cast<int64_t>(size);
      stats.bytes += static_cast<int64_t>(size);
      if (stats.bytes > options.max_bytes) {
        return absl::ResourceExhaustedError(
            absl::StrCat("build context is larger than ", options.max_bytes, " bytes (at ", raw_name, ")"));
      }
      if (archive_write_data_block(disk.get(), block, size, offset) < ARCHIVE_WARN) {
        return ArchiveError(disk.get(), absl::StrCat("build context: extract ", raw_name));
      }
    }
    if (archive_write_finish_entry(disk.get()) < ARCHIVE_WARN) {
      return ArchiveError(disk.get(), absl::StrCat("build context: extract ", raw_name));
    }
    if (cut_after_data) break;
  }
  if (archive_write_close(disk.get()) != ARCHIVE_OK) {
    return ArchiveError(disk.get(), "build context: finish extraction");
  }
  return stats;
}

}  // namespace berth::buildcontext
