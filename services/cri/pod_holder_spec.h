#ifndef BERTH_SERVICES_CRI_POD_HOLDER_SPEC_H_
#define BERTH_SERVICES_CRI_POD_HOLDER_SPEC_H_

// A pod sandbox's config as the tasks service's namespace holder: the
// pod's network (the default bridge, or the host's for network NODE), its
// hostPorts, DNS, hostname, sysctls, cgroup parent and privilege.

#include <string>

#include "absl/status/statusor.h"
#include "berth/tasks/v1/tasks.pb.h"
#include "k8s/cri/runtime/v1/api.pb.h"

namespace berth::cri {

// INVALID_ARGUMENT when the metadata lacks a name, uid or namespace.
absl::Status ValidatePodMetadata(const runtime::v1::PodSandboxConfig& config);

// The tasks container's name: k8s_POD_<name>_<namespace>_<uid>_<attempt>,
// as the kubelet's dockershim named the pod's infra container.
std::string HolderName(const runtime::v1::PodSandboxMetadata& metadata);

// oom_floor: the lowest oom_score_adj this host lets berth give.
berth::tasks::v1::CreateContainerRequest HolderRequest(const std::string& pod_id,
                                                       const runtime::v1::PodSandboxConfig& config,
                                                       int oom_floor);

// A name the tasks service takes: [a-zA-Z0-9][a-zA-Z0-9_.-]*, anything
// else becomes '-'.
std::string TasksName(const std::string& name);

}  // namespace berth::cri

#endif  // BERTH_SERVICES_CRI_POD_HOLDER_SPEC_H_
