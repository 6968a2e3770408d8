#ifndef BERTH_SHIM_CONTAINER_FD_PASSING_H_
#define BERTH_SHIM_CONTAINER_FD_PASSING_H_

// Descriptors over a unix socket (SCM_RIGHTS) between the shim and a
// container's child: its detached mounts, its terminal's master.

#include <vector>

#include "absl/status/status.h"

namespace berth::container {

// Most descriptors one SCM_RIGHTS message carries (the kernel's SCM_MAX_FD).
inline constexpr int kMaxFdsPerMessage = 253;

// Sends descriptors in as many messages as the kernel allows per message.
absl::Status SendFds(int socket, const std::vector<int>& fds);
// Receives exactly `count` descriptors into `out` (close-on-
// exec); false when the sender went away or sent something else. Does not
// allocate (a container's child uses it).
bool ReceiveFds(int socket, int* out, int count);

}  // namespace berth::container

#endif  // BERTH_SHIM_CONTAINER_FD_PASSING_H_
