#ifndef BERTH_SERVICES_BUILDER_CONTEXT_RESOLVE_IN_ROOT_H_
#define BERTH_SERVICES_BUILDER_CONTEXT_RESOLVE_IN_ROOT_H_

// Paths below a root resolved as docker's builder resolves COPY sources
// (moby/sys/symlink FollowSymlinkInScope), and opened without following
// anything afterwards.

#include <string>

#include "absl/status/statusor.h"
#include "services/common/base/unique_fd.h"

namespace berth::buildcontext {

// Resolves rel below root as if root were "/": symlinks are followed, an
// absolute link target starts again at root and ".." stops at root. A rel
// that climbs out of root by its own ".." components, or links that loop,
// are refused with docker's message "forbidden path outside the build
// context: <rel> ()". A missing component ends resolution: the rest is
// taken as it is. Returns the result relative to root ("." for root).
absl::StatusOr<std::string> ResolveInRoot(const std::string& root, const std::string& rel);

// Opens rel (relative to root_fd, no "..") one component at a time with
// O_NOFOLLOW, so that a symlink swapped in after resolution fails (ELOOP)
// instead of leading elsewhere. flags apply to the last component.
absl::StatusOr<UniqueFd> OpenBeneath(int root_fd, const std::string& rel, int flags);

}  // namespace berth::buildcontext

#endif  // BERTH_SERVICES_BUILDER_CONTEXT_RESOLVE_IN_ROOT_H_
