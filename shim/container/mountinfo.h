#ifndef BERTH_SHIM_CONTAINER_MOUNTINFO_H_
#define BERTH_SHIM_CONTAINER_MOUNTINFO_H_

// /proc/self/mountinfo, line by line (proc(5)): the one parser for what
// the shim asks of the host's mounts (the cgroup hierarchies it shows a
// container, whether a bind's source may propagate).

#include <string>
#include <vector>

#include "absl/status/statusor.h"
#include "absl/strings/string_view.h"

namespace berth::container {

struct MountInfoEntry {
  // The mount's root within its filesystem, and where it is mounted
  // (octal escapes such as \040 undone).
  std::string root;
  std::string mount_point;
  // Per-mount options (rw, nosuid...).
  std::string options;
  // Optional fields: shared:N, master:N, propagate_from:N, unbindable.
  std::vector<std::string> optional_fields;
  std::string type;
  std::string source;
  // Per-superblock options.
  std::string super_options;

  bool shared() const;
  // A slave of some peer group (master:N).
  bool slave() const;
};

// Malformed lines are skipped.
std::vector<MountInfoEntry> ParseMountInfo(absl::string_view text);

// This process's mounts.
absl::StatusOr<std::vector<MountInfoEntry>> ReadMountInfo();

// The mount a path (absolute, symlinks resolved) lies on: the entry with
// the longest mount point above it, the last such one (the one on top);
// nullptr when none is.
const MountInfoEntry* MountOfPath(const std::vector<MountInfoEntry>& mounts, absl::string_view path);

}  // namespace berth::container

#endif  // BERTH_SHIM_CONTAINER_MOUNTINFO_H_
