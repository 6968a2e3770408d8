#ifndef BERTH_SHIM_CONTAINER_USER_H_
#define BERTH_SHIM_CONTAINER_USER_H_

// docker run -u: "name", "uid", "name:group", "uid:gid" resolved from the
// container's own /etc/passwd and /etc/group, read from the layers of its
// root filesystem (never the host's), as runc does.

#include <sys/types.h>

#include <string>
#include <vector>

#include "absl/status/statusor.h"
#include "berth/shim/v1/shim.pb.h"

namespace berth::container {

struct ResolvedUser {
  uid_t uid = 0;
  gid_t gid = 0;
  // Groups of /etc/group that list the user, then the extra groups asked.
  std::vector<gid_t> additional_gids;
  std::string home = "/";
};

// The directories a root filesystem is made of, uppermost first: the
// overlay's upperdir then its lowerdirs, or a bind's source.
std::vector<std::string> RootfsLayers(const std::vector<berth::shim::v1::Mount>& rootfs);

// Reads `path` (absolute, inside the container) from the first layer that
// has it, resolving symlinks inside that layer only. NotFound if none has.
absl::StatusOr<std::string> ReadContainerFile(const std::vector<std::string>& layers,
                                              const std::string& path);

// `extra_groups` (docker's --group-add) join the groups of /etc/group:
// numbers as they are, names looked up.
absl::StatusOr<ResolvedUser> ResolveUser(const std::string& spec,
                                         const std::vector<std::string>& layers,
                                         const std::vector<std::string>& extra_groups = {});

}  // namespace berth::container

#endif  // BERTH_SHIM_CONTAINER_USER_H_
