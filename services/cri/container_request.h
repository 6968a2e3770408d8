#ifndef BERTH_SERVICES_CRI_CONTAINER_REQUEST_H_
#define BERTH_SERVICES_CRI_CONTAINER_REQUEST_H_

// A CRI container config as a tasks container in its pod: command and args
// over the image's entrypoint and cmd as the kubelet expects, environment,
// mounts, devices, the security context, resources, the pod's namespaces
// (network and IPC of its holder) and cgroup parent, the CRI log file.

#include <string>

#include "absl/status/statusor.h"
#include "berth/tasks/v1/tasks.pb.h"
#include "k8s/cri/runtime/v1/api.pb.h"
#include "services/cri/pod_store.h"

namespace berth::cri {

// INVALID_ARGUMENT when metadata or the image is missing.
absl::Status ValidateContainerConfig(const runtime::v1::ContainerConfig& config);

// k8s_<container>_<pod>_<namespace>_<uid>_<attempt>.
std::string ContainerName(const runtime::v1::ContainerConfig& config,
                          const runtime::v1::PodSandboxMetadata& pod);

// The CRI facts a status needs, as kept in the container's label.
runtime::v1::ContainerConfig StatusFacts(const runtime::v1::ContainerConfig& config);
std::string EncodeFacts(const runtime::v1::ContainerConfig& facts);
// Empty config when the label is missing or unreadable.
runtime::v1::ContainerConfig DecodeFacts(const std::string& label);

// The kubelet's CPU, memory and cpuset limits as the tasks service's
// (create, and UpdateContainerResources).
berth::tasks::v1::Resources TaskResources(const runtime::v1::LinuxContainerResources& resources);

// seccomp Localhost profiles are read by the caller (file access) and
// passed as profile_json. oom_floor as for the holder.
absl::StatusOr<berth::tasks::v1::CreateContainerRequest> ContainerRequest(
    const runtime::v1::ContainerConfig& config, const PodRecord& pod, int oom_floor);

}  // namespace berth::cri

#endif  // BERTH_SERVICES_CRI_CONTAINER_REQUEST_H_
