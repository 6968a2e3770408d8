#ifndef BERTH_SERVICES_COMMON_ARCHIVE_TREE_TAR_H_
#define BERTH_SERVICES_COMMON_ARCHIVE_TREE_TAR_H_

// A file or directory tree as a tar stream and back, as docker's cp and
// export move them. Both work relative to the current directory: callers
// chdir (or chroot) first, so that a path is resolved where it belongs and
// libarchive never walks an absolute path.

#include <functional>
#include <string>
#include <string_view>

#include "absl/status/status.h"
#include "absl/status/statusor.h"

struct archive;

namespace berth::archive {

// Renames the top entry of a tree: `from` becomes `to`, "from/x" becomes
// "to/x"; other names are left alone. Empty `from` changes nothing.
std::string RebaseName(const std::string& name, const std::string& from, const std::string& to);

// Cleans an entry name of a tar we read: no leading "/" or "./", no "."
// components. Returns false for a name with a ".." component (it would
// leave the directory it is extracted into).
bool CleanEntryName(const std::string& name, std::string* cleaned);

using WriteChunk = std::function<bool(const char* data, size_t size)>;
// The next piece of the stream; empty at its end.
using ReadChunk = std::function<absl::StatusOr<std::string_view>()>;

// A libarchive reader fed from `read`: OpenChunkReader opens `reader`
// (archive_read_open's result); when a read then fails, `status` says why.
// The source must outlive the reader.
struct ChunkSource {
  const ReadChunk* read;
  absl::Status status;
  // The stream ended (an empty chunk was handed over).
  bool ended = false;
};
int OpenChunkReader(struct archive* reader, ChunkSource* source);

struct WriteTreeOptions {
  // The top entry `base` is written as `rebase_to` (empty: as it is).
  std::string rebase_to;
  // Export: "./x" is written as "x" and "." itself not at all.
  bool strip_dot = false;
  // Follow `base` itself if it is a symlink (cp -L); below it, symlinks are
  // always stored as symlinks.
  bool follow_base = false;
};

// Writes `base` (a relative path: a name in the current directory, or ".")
// and everything below it as a pax tar, never following symlinks and
// without user/group names (no NSS lookups: inside a container root they
// would load the container's libraries).
absl::Status WriteTree(const std::string& base, const WriteTreeOptions& options,
                       const WriteChunk& write);

enum class Ownership {
  // The uid/gid the tar carries (cp -a).
  kKeep,
  // 0:0, what docker gives files copied into a container.
  kRoot,
  // Whoever extracts: files copied to the host belong to the user.
  kCaller,
};

struct ExtractOptions {
  Ownership ownership = Ownership::kCaller;
  // docker cp's NoOverwriteDirNonDir: a directory never replaces a file or
  // the other way round.
  bool no_overwrite_dir_non_dir = false;
  // Refuse to write through a symlink on disk (extraction on the host,
  // where no chroot confines them).
  bool secure_symlinks = false;
  // Renames the top entry (see RebaseName).
  std::string rebase_from;
  std::string rebase_to;
};

// Extracts a tar (plain) into the current directory. Returns the number of
// entries written.
absl::StatusOr<int64_t> ExtractTree(const ReadChunk& read, const ExtractOptions& options);

}  // namespace berth::archive

#endif  // BERTH_SERVICES_COMMON_ARCHIVE_TREE_TAR_H_
