#ifndef BERTH_SERVICES_SNAPSHOTS_LOCAL_DRIVER_H_
#define BERTH_SERVICES_SNAPSHOTS_LOCAL_DRIVER_H_

// The options of docker's local volume driver: type, device and o, as
// mount(8) takes them (`-o type=tmpfs -o device=tmpfs -o o=size=64m`, or
// `type=none,o=bind,device=/srv`). Such a volume's _data is a mount of
// that filesystem while containers use it.

#include <map>
#include <string>

#include "absl/status/status.h"

namespace berth::snapshots {

using DriverOptions = std::map<std::string, std::string>;

// docker's checks: only type, device and o (size needs quotas berth has
// not); type and device go together, o needs both.
absl::Status ValidateLocalOptions(const DriverOptions& options);

// Whether the options name a filesystem to mount.
bool NeedsMount(const DriverOptions& options);

// Whether path is the root of a mount.
bool IsMountPoint(const std::string& path);

// Mounts the options' filesystem on path.
absl::Status MountLocal(const DriverOptions& options, const std::string& path);

}  // namespace berth::snapshots

#endif  // BERTH_SERVICES_SNAPSHOTS_LOCAL_DRIVER_H_
