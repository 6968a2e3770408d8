#ifndef BERTH_SERVICES_CRI_CONTAINER_STATUS_H_
#define BERTH_SERVICES_CRI_CONTAINER_STATUS_H_

// A tasks container as the CRI shows it: its state, times in nanoseconds,
// exit code and reason, image, mounts, log path, labels and annotations
// (the kubelet's, from the container's facts label).

#include <string>

#include "berth/tasks/v1/tasks.pb.h"
#include "k8s/cri/runtime/v1/api.pb.h"

namespace berth::cri {

// Whether berth-cri made it as a CRI container (not a holder, not the CLI's).
bool IsCriContainer(const berth::tasks::v1::Container& container);
std::string SandboxIdOf(const berth::tasks::v1::Container& container);

// Its process is there (running, paused or being restarted).
bool Running(const berth::tasks::v1::Container& container);
runtime::v1::ContainerState CriState(const berth::tasks::v1::Container& container);
runtime::v1::Container ToCriContainer(const berth::tasks::v1::Container& container);
// log_directory: the pod's, joined with the container's log_path.
runtime::v1::ContainerStatus ToCriStatus(const berth::tasks::v1::Container& container,
                                         const std::string& log_directory);
// containerd's verbose "info" JSON: sandboxID, pid, runtimeSpec-ish facts.
std::string VerboseContainerInfo(const berth::tasks::v1::Container& container);

// Does labels carry every key=value of selector?
bool MatchesSelector(const google::protobuf::Map<std::string, std::string>& labels,
                     const google::protobuf::Map<std::string, std::string>& selector);

}  // namespace berth::cri

#endif  // BERTH_SERVICES_CRI_CONTAINER_STATUS_H_
