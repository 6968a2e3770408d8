#ifndef BERTH_SERVICES_NETWORK_NETNS_H_
#define BERTH_SERVICES_NETWORK_NETNS_H_

// Network namespaces held by a bind mount on a file, as `ip netns add`
// does: they outlive every process in them until removed, so a sandbox
// exists before the container's shim joins it and after it exits.

#include <string>

#include "absl/status/status.h"

namespace berth::network {

// Creates a new, empty network namespace bound at path.
absl::Status CreateNetns(const std::string& path);
// Unbinds and removes it; nothing to do when it is not there.
absl::Status RemoveNetns(const std::string& path);

}  // namespace berth::network

#endif  // BERTH_SERVICES_NETWORK_NETNS_H_
