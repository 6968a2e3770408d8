#ifndef BERTH_SERVICES_SNAPSHOTS_CHANGES_LIST_H_
#define BERTH_SERVICES_SNAPSHOTS_CHANGES_LIST_H_

// What a container changed in its root file system, as `docker diff` lists
// it: each path added (A), changed (C) or deleted (D), sorted by path. A
// directory is changed when something below it is, or its own owner or
// mode is.

#include <string>
#include <vector>

#include "absl/status/statusor.h"

namespace berth::snapshots {

struct Change {
  enum Kind { kModified = 0, kAdded = 1, kDeleted = 2 };  // docker's numbers
  std::string path;  // absolute, inside the container
  Kind kind;
};

// An overlay snapshot: its upper directory against its lower ones
// (nearest first). exclude: paths (no leading slash) left out with
// everything below them.
absl::StatusOr<std::vector<Change>> OverlayChanges(const std::string& upper,
                                                   const std::vector<std::string>& lowers,
                                                   const std::vector<std::string>& exclude);

// A native snapshot: a full copy against its parent's (empty: none).
absl::StatusOr<std::vector<Change>> NativeChanges(const std::string& dir, const std::string& parent,
                                                  const std::vector<std::string>& exclude);

}  // namespace berth::snapshots

#endif  // BERTH_SERVICES_SNAPSHOTS_CHANGES_LIST_H_
