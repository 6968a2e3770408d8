#ifndef BERTH_SERVICES_TASKS_CONTAINER_SYSCTLS_H_
#define BERTH_SERVICES_TASKS_CONTAINER_SYSCTLS_H_

// A container's own sysctls (docker --sysctl, HostConfig.Sysctls, a pod's
// sysctls): only those of a namespace the container does not share with
// the host, as runc allows them: IPC (kernel.msg*, kernel.sem, kernel.shm*,
// fs.mqueue.*), network (net.*) and UTS (kernel.domainname), with runc's
// refusals for the rest.

#include "absl/status/status.h"
#include "berth/tasks/v1/tasks.pb.h"

namespace berth::tasks {

absl::Status ValidateSysctls(const v1::ContainerSpec& spec);

}  // namespace berth::tasks

#endif  // BERTH_SERVICES_TASKS_CONTAINER_SYSCTLS_H_
