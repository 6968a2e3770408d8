#ifndef BERTH_SHIM_CONTAINER_CAPABILITIES_H_
#define BERTH_SHIM_CONTAINER_CAPABILITIES_H_

// The capability set of a container as a bit mask: docker's default set,
// then --cap-add/--cap-drop (names with or without CAP_, or ALL), or every
// capability for --privileged — never more than the host's bounding set,
// which the caller (berth) cannot exceed anyway.

#include <cstdint>
#include <string>
#include <vector>

#include "absl/status/statusor.h"

namespace berth::container {

std::vector<std::string> DefaultCapabilities();

// The calling process's bounding set (CapBnd in /proc/self/status).
uint64_t HostBoundingSet();

absl::StatusOr<uint64_t> CapabilityMask(const std::vector<std::string>& add,
                                        const std::vector<std::string>& drop, bool privileged,
                                        uint64_t bounding = HostBoundingSet());

// The highest capability number the kernel knows.
int LastCapability();

}  // namespace berth::container

#endif  // BERTH_SHIM_CONTAINER_CAPABILITIES_H_
