#ifndef BERTH_SERVICES_COMMON_FS_FS_UTIL_H_
#define BERTH_SERVICES_COMMON_FS_FS_UTIL_H_

// Filesystem helpers for directories a service owns (snapshots, volumes,
// content ingest).

#include <sys/types.h>

#include <cstdint>
#include <string>
#include <utility>

#include "absl/status/status.h"
#include "absl/status/statusor.h"

namespace berth::fs {

// mkdir -p: creates path and its missing parents with mode; what exists is
// left as it is.
absl::Status MakeDirectories(const std::string& path, mode_t mode);
// rm -rf without following symlinks or crossing into mounts' contents.
absl::Status RemoveAll(const std::string& path);
// Bytes of the regular files below path (what docker reports as a size).
absl::StatusOr<int64_t> DiskUsage(const std::string& path);
// Bytes of regular files and number of inodes below path (hard links
// counted once).
absl::StatusOr<std::pair<int64_t, int64_t>> DiskUsageWithInodes(const std::string& path);
// Copies the contents of directory from into the existing directory to,
// keeping modes, ownership, times, symlinks, hard links, device nodes and
// extended attributes (the native snapshotter's full copy).
absl::Status CopyTree(const std::string& from, const std::string& to);
// A random hex string of n bytes (2n characters).
std::string RandomHex(int bytes);

// The whole content of a (small) file; empty when it cannot be read (for
// /proc, /sys and config files whose absence means "nothing").
std::string ReadFileOrEmpty(const std::string& path);

}  // namespace berth::fs

#endif  // BERTH_SERVICES_COMMON_FS_FS_UTIL_H_
