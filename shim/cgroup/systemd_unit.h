#ifndef BERTH_SHIM_CGROUP_SYSTEMD_UNIT_H_
#define BERTH_SHIM_CGROUP_SYSTEMD_UNIT_H_

// The systemd cgroup driver's naming and limits, without talking to
// systemd: a container is a transient scope (berth-<id>.scope) in a slice,
// systemd owns where its cgroup lives, and its limits are also unit
// properties so that systemd re-applies them (on daemon-reload, for one)
// instead of resetting them.

#include <cstdint>
#include <string>
#include <vector>

#include "absl/status/statusor.h"
#include "absl/strings/string_view.h"
#include "shim/cgroup/cgroup.h"

namespace berth::cgroup {

// A slice unit name as systemd accepts it: "<name>.slice", where name is
// dash-separated non-empty parts of [A-Za-z0-9:_.\\], or the root "-.slice".
bool IsSliceName(absl::string_view name);

// The cgroup path of a slice, relative to the hierarchy's root: each dash
// opens a level, as systemd lays them out ("a-b.slice" is
// "a.slice/a-b.slice"; the root slice "-.slice" is "").
absl::StatusOr<std::string> SlicePath(absl::string_view slice);

// The scope of a container, as docker names its own ("docker-<id>.scope").
std::string ScopeUnitName(absl::string_view container_id);

// Unit properties (NAME=VALUE, in systemd's names) for docker's limits on a
// cgroup layout: what runc sets for its systemd driver. Accounting is always
// on so that statistics are there whatever systemd's defaults.
std::vector<std::string> ResourceProperties(const Resources& resources, Version version);

// AllowedCPUs= takes a bitmask (byte i, bit j is CPU 8i+j); cpuset lists
// are "0-3,6".
absl::StatusOr<std::vector<uint8_t>> CpuListMask(absl::string_view cpus);

}  // namespace berth::cgroup

#endif  // BERTH_SHIM_CGROUP_SYSTEMD_UNIT_H_
