#include "services/common/archive/tree_tar.h"

#include <archive.h>
#include <archive_entry.h>
#include <fcntl.h>
#include <sys/stat.h>

#include <memory>
#include <vector>

#include "absl/strings/match.h"
#include "absl/strings/str_cat.h"
#include "absl/strings/str_join.h"
#include "absl/strings/str_split.h"

namespace berth::archive {
namespace {

struct ReadCloser {
  void operator()(struct archive* a) const { archive_read_free(a); }
};
struct WriteCloser {
  void operator()(struct archive* a) const { archive_write_free(a); }
};
struct EntryFree {
  void operator()(archive_entry* e) const { archive_entry_free(e); }
};
struct ResolverFree {
  void operator()(archive_entry_linkresolver* r) const { archive_entry_linkresolver_free(r); }
};
using ReadArchive = std::unique_ptr<struct archive, ReadCloser>;
using WriteArchive = std::unique_ptr<struct archive, WriteCloser>;

absl::Status ArchiveError(struct archive* a, const std::string& what) {
  const char* message = archive_error_string(a);
  return absl::InternalError(absl::StrCat(what, ": ", message ? message : "unknown error"));
}

// Names as docker writes them: a directory's name ends with "/" only in the
// tar header, which libarchive adds itself; ours carry no trailing slash.
std::string TrimTrailingSlashes(std::string name) {
  while (name.size() > 1 && name.back() == '/') name.pop_back();
  return name;
}

struct WriterState {
  const WriteChunk* write;
  bool failed = false;
};

la_ssize_t WriteCallback(struct archive*, void* opaque, const void* buffer, size_t length) {
  auto* state = static_cast<WriterState*>(opaque);
  if (!(*state->write)(static_cast<const char*>(buffer), length)) {
    state->failed = true;
    return -1;
  }
  return static_cast<la_ssize_t>(length);
}

la_ssize_t ReadCallback(struct archive* a, void* opaque, const void** buffer) {
  auto* state = static_cast<ChunkSource*>(opaque);
  absl::StatusOr<std::string_view> chunk = (*state->read)();
  if (!chunk.ok()) {
    state->status = chunk.status();
    archive_set_error(a, EIO, "%s", std::string(chunk.status().message()).c_str());
    return -1;
  }
  *buffer = chunk->data();
  if (chunk->empty()) state->ended = true;
  return static_cast<la_ssize_t>(chunk->size());
}

absl::Status CopyData(struct archive* from, struct archive* to, const std::string& name) {
  std::vector<char> buffer(1 << 16);
  for (;;) {
    la_ssize_t n = archive_read_data(from, buffer.data(), buffer.size());
    if (n == 0) return absl::OkStatus();
    if (n < 0) return ArchiveError(from, "read " + name);
    if (archive_write_data(to, buffer.data(), static_cast<size_t>(n)) != n) {
      return ArchiveError(to, "write " + name);
    }
  }
}

// Data of one entry into the disk writer, holes and all.
absl::Status CopyBlocks(struct archive* from, struct archive* to, const std::string& name) {
  for (;;) {
    const void* block = nullptr;
    size_t size = 0;
    la_int64_t offset = 0;
    int rc = archive_read_data_block(from, &block, &size, &offset);
    if (rc == ARCHIVE_EOF) return absl::OkStatus();
    if (rc < ARCHIVE_WARN) return ArchiveError(from, "read " + name);
    if (archive_write_data_block(to, block, size, offset) < ARCHIVE_WARN) {
      return ArchiveError(to, "write " + name);
    }
  }
}

}  // namespace

std::string RebaseName(const std::string& name, const std::string& from, const std::string& to) {
  if (from.empty() || from == to) return name;
  if (name == from) return to;
  if (from == ".") {
    if (absl::StartsWith(name, "./")) return absl::StrCat(to, name.substr(1));
    return name;
  }
  if (absl::StartsWith(name, from + "/")) return absl::StrCat(to, name.substr(from.size()));
  return name;
}

bool CleanEntryName(const std::string& name, std::string* cleaned) {
  std::vector<std::string> parts;
  for (absl::string_view part : absl::StrSplit(name, '/', absl::SkipEmpty())) {
    if (part == ".") continue;
    if (part == "..") return false;
    parts.emplace_back(part);
  }
  *cleaned = parts.empty() ? "." : absl::StrJoin(parts, "/");
  return true;
}

absl::Status WriteTree(const std::string& base, const WriteTreeOptions& options,
                       const WriteChunk& write) {
  ReadArchive disk(archive_read_disk_new());
  if (options.follow_base) {
    archive_read_disk_set_symlink_hybrid(disk.get());
  } else {
    archive_read_disk_set_symlink_physical(disk.get());
  }
  // Mounts below are crossed: a running container's volumes are part of
  // what it sees. ACLs and file flags are not part of docker's tars.
  archive_read_disk_set_behavior(disk.get(), ARCHIVE_READDISK_NO_ACL | ARCHIVE_READDISK_NO_FFLAGS);
  if (archive_read_disk_open(disk.get(), base.c_str()) != ARCHIVE_OK) {
    return ArchiveError(disk.get(), "open " + base);
  }
  WriteArchive out(archive_write_new());
  archive_write_set_format_pax_restricted(out.get());
  archive_write_set_bytes_in_last_block(out.get(), 1);
  WriterState state{&write, false};
  if (archive_write_open(out.get(), &state, nullptr, WriteCallback, nullptr) != ARCHIVE_OK) {
    return ArchiveError(out.get(), "start tar");
  }
  std::unique_ptr<archive_entry_linkresolver, ResolverFree> links(archive_entry_linkresolver_new());
  archive_entry_linkresolver_set_strategy(links.get(), archive_format(out.get()));
  for (;;) {
    std::unique_ptr<archive_entry, EntryFree> entry(archive_entry_new());
    int rc = archive_read_next_header2(disk.get(), entry.get());
    if (rc == ARCHIVE_EOF) break;
    if (rc < ARCHIVE_WARN) return ArchiveError(disk.get(), "read " + base);
    std::string name = TrimTrailingSlashes(archive_entry_pathname(entry.get()));
    archive_read_disk_descend(disk.get());
    // A tar cannot hold a socket; docker leaves them out too.
    if (archive_entry_filetype(entry.get()) == AE_IFSOCK) continue;
    if (options.strip_dot) {
      if (name == ".") continue;
      if (absl::StartsWith(name, "./")) name = name.substr(2);
    }
    if (!options.rebase_to.empty()) name = RebaseName(name, base, options.rebase_to);
    archive_entry_set_pathname(entry.get(), name.c_str());
    archive_entry_set_uname(entry.get(), nullptr);
    archive_entry_set_gname(entry.get(), nullptr);
    archive_entry* to_write = entry.get();
    archive_entry* spare = nullptr;
    archive_entry_linkify(links.get(), &to_write, &spare);
    if (to_write != nullptr) {
      if (archive_write_header(out.get(), to_write) < ARCHIVE_WARN) {
        if (state.failed) return absl::UnavailableError("tar: the reader went away");
        return ArchiveError(out.get(), "write " + name);
      }
      if (archive_entry_size(to_write) > 0 && archive_entry_filetype(to_write) == AE_IFREG) {
        if (absl::Status copied = CopyData(disk.get(), out.get(), name); !copied.ok()) {
          if (state.failed) return absl::UnavailableError("tar: the reader went away");
          return copied;
        }
      }
    }
    // The pax strategy hands back the entry it was given, never a spare.
    if (spare != nullptr) archive_entry_free(spare);
    if (to_write != nullptr && to_write != entry.get()) archive_entry_free(to_write);
  }
  if (archive_write_close(out.get()) != ARCHIVE_OK) {
    if (state.failed) return absl::UnavailableError("tar: the reader went away");
    return ArchiveError(out.get(), "finish tar");
  }
  return absl::OkStatus();
}

int OpenChunkReader(struct archive* reader, ChunkSource* source) {
  return archive_read_open(reader, source, nullptr, ReadCallback, nullptr);
}

absl::StatusOr<int64_t> ExtractTree(const ReadChunk& read, const ExtractOptions& options) {
  ReadArchive in(archive_read_new());
  archive_read_support_format_tar(in.get());
  archive_read_support_filter_gzip(in.get());
  archive_read_support_filter_bzip2(in.get());
  archive_read_support_filter_xz(in.get());
  ChunkSource state{&read, absl::OkStatus(), false};
  if (OpenChunkReader(in.get(), &state) != ARCHIVE_OK) {
    if (!state.status.ok()) return state.status;
    return ArchiveError(in.get(), "read tar");
  }
  WriteArchive disk(archive_write_disk_new());
  int flags = ARCHIVE_EXTRACT_PERM | ARCHIVE_EXTRACT_TIME | ARCHIVE_EXTRACT_XATTR |
              ARCHIVE_EXTRACT_SECURE_NODOTDOT | ARCHIVE_EXTRACT_SECURE_NOABSOLUTEPATHS;
  if (options.ownership != Ownership::kCaller) flags |= ARCHIVE_EXTRACT_OWNER;
  if (options.secure_symlinks) flags |= ARCHIVE_EXTRACT_SECURE_SYMLINKS;
  archive_write_disk_set_options(disk.get(), flags);
  int64_t count = 0;
  for (;;) {
    archive_entry* entry = nullptr;
    int rc = archive_read_next_header(in.get(), &entry);
    if (rc == ARCHIVE_EOF) break;
    if (rc < ARCHIVE_WARN) {
      if (!state.status.ok()) return state.status;
      return ArchiveError(in.get(), "read tar");
    }
    std::string name;
    if (!CleanEntryName(archive_entry_pathname(entry), &name)) {
      return absl::InvalidArgumentError(
          absl::StrCat("tar entry ", archive_entry_pathname(entry), " leaves its directory"));
    }
    name = RebaseName(name, options.rebase_from, options.rebase_to);
    if (name == ".") name = "./";
    archive_entry_set_pathname(entry, name.c_str());
    if (const char* link = archive_entry_hardlink(entry); link != nullptr) {
      std::string target;
      if (!CleanEntryName(link, &target)) {
        return absl::InvalidArgumentError(absl::StrCat("tar hard link ", link, " leaves its directory"));
      }
      target = RebaseName(target, options.rebase_from, options.rebase_to);
      archive_entry_set_hardlink(entry, target.c_str());
    }
    if (options.ownership == Ownership::kRoot) {
      archive_entry_set_uid(entry, 0);
      archive_entry_set_gid(entry, 0);
    }
    // Numeric ids only: a name lookup would consult NSS.
    archive_entry_set_uname(entry, nullptr);
    archive_entry_set_gname(entry, nullptr);
    if (options.no_overwrite_dir_non_dir) {
      struct stat existing;
      bool entry_is_dir = archive_entry_filetype(entry) == AE_IFDIR;
      if (::fstatat(AT_FDCWD, name.c_str(), &existing, AT_SYMLINK_NOFOLLOW) == 0 &&
          S_ISDIR(existing.st_mode) != entry_is_dir) {
        return absl::FailedPreconditionError(
            S_ISDIR(existing.st_mode)
                ? absl::StrCat("cannot overwrite directory \"", name, "\" with non-directory")
                : absl::StrCat("cannot overwrite non-directory \"", name, "\" with directory"));
      }
    }
    if (archive_write_header(disk.get(), entry) < ARCHIVE_WARN) {
      return ArchiveError(disk.get(), "extract " + name);
    }
    if (archive_entry_size(entry) > 0) {
      if (absl::Status copied = CopyBlocks(in.get(), disk.get(), name); !copied.ok()) {
        if (!state.status.ok()) return state.status;
        return copied;
      }
    }
    if (archive_write_finish_entry(disk.get()) < ARCHIVE_WARN) {
      return ArchiveError(disk.get(), "extract " + name);
    }
    ++count;
  }
  if (archive_write_close(disk.get()) != ARCHIVE_OK) {
    return ArchiveError(disk.get(), "finish extraction");
  }
  return count;
}

}  // namespace berth::archive
