#ifndef BERTH_SHIM_CONTAINER_IDMAP_H_
#define BERTH_SHIM_CONTAINER_IDMAP_H_

// Parent-side pieces of a container in its own user namespace
// (userns-remap): the uid/gid maps, idmapped clones of the layers and
// volumes (files stored as root show as the container's root, and what it
// writes is stored as root), handed to the child over fd_passing.h.

#include <sys/types.h>

#include <cstdint>
#include <string>
#include <vector>

#include "absl/status/status.h"
#include "absl/status/statusor.h"
#include "services/common/base/unique_fd.h"
#include "shim/container/fd_passing.h"

namespace berth::container {

struct IdMapping {
  uint32_t container_id = 0;
  uint32_t host_id = 0;
  uint32_t size = 0;
};

// /proc/PID/uid_map text: "container host size" lines.
std::string IdMapText(const std::vector<IdMapping>& map);

// Writes the child's uid_map and gid_map (before it does anything).
absl::Status WriteIdMaps(pid_t pid, const std::vector<IdMapping>& uids,
                         const std::vector<IdMapping>& gids);

// A detached clone of the tree at `path` (open_tree), idmapped into the
// user namespace `userns_fd` unless it is -1.
absl::StatusOr<UniqueFd> CloneMount(const std::string& path, int userns_fd);

}  // namespace berth::container

#endif  // BERTH_SHIM_CONTAINER_IDMAP_H_
