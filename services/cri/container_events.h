#ifndef BERTH_SERVICES_CRI_CONTAINER_EVENTS_H_
#define BERTH_SERVICES_CRI_CONTAINER_EVENTS_H_

// GetContainerEvents: what the kubelet's evented PLEG reads. The tasks
// service's container events in k8s.io, as CRI events: create, start, die
// and destroy of a CRI container (its id) or of a pod's namespace holder
// (the pod's id, as containerd reports sandbox events), each with the
// pod's status and its containers' statuses at the time.

#include <functional>

#include "k8s/cri/runtime/v1/api.pb.h"
#include "services/cri/backends.h"
#include "services/cri/cri_containers.h"
#include "services/cri/pod_sandboxes.h"

namespace berth::cri {

class ContainerEvents {
 public:
  ContainerEvents(const Backends* backends, PodSandboxes* pods, CriContainers* containers)
      : backends_(backends), pods_(pods), containers_(containers) {}

  // Sends each event until send fails or cancelled() turns true; an error
  // when the tasks service's stream ends.
  absl::Status Stream(const std::function<bool(const runtime::v1::ContainerEventResponse&)>& send,
                      const std::function<bool()>& cancelled);

 private:
  const Backends* backends_;
  PodSandboxes* pods_;
  CriContainers* containers_;
};

}  // namespace berth::cri

#endif  // BERTH_SERVICES_CRI_CONTAINER_EVENTS_H_
