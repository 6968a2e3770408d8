#ifndef BERTH_SERVICES_TASKS_IPC_SHM_H_
#define BERTH_SERVICES_TASKS_IPC_SHM_H_

// /dev/shm goes with the IPC namespace, as docker's ShmPath: a container
// whose IPC namespace may be joined (shareable, a pod's holder) has its
// /dev/shm on a tmpfs the tasks service mounts in its bundle, bound into it
// and into every container that joins it; --ipc host binds the host's.
// Others keep the tmpfs the shim makes for them alone.

#include <functional>
#include <string>

#include "absl/status/status.h"
#include "berth/tasks/v1/tasks.pb.h"
#include "services/tasks/namespace_modes.h"

namespace berth::tasks {

// Whether the container's own IPC namespace may be joined, and so its
// /dev/shm is the bundle's.
bool SharesItsShm(const v1::ContainerSpec& spec);

// The host directory bound as the container's /dev/shm, "" for its own
// tmpfs. `shm_dir` names a container's bundle tmpfs by id.
std::string ShmSource(const v1::Container& container, const ContainerLookup& lookup,
                      const std::function<std::string(const std::string& id)>& shm_dir);

// Mounts docker's 64 MiB tmpfs (nosuid, nodev, noexec, 1777) at `dir`,
// made first; a mount already there (a restart) is kept.
absl::Status MountShm(const std::string& dir);

// Unmounts it, if mounted (before its bundle is removed).
void UnmountShm(const std::string& dir);

}  // namespace berth::tasks

#endif  // BERTH_SERVICES_TASKS_IPC_SHM_H_
