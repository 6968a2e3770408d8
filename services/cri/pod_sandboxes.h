#ifndef BERTH_SERVICES_CRI_POD_SANDBOXES_H_
#define BERTH_SERVICES_CRI_POD_SANDBOXES_H_

// Pod sandboxes: a record in berth-cri's store and a namespace holder in
// the tasks service (k8s.io) whose network, IPC and UTS namespaces the
// pod's containers join. Run makes both or neither; Stop ends the pod's
// containers and its holder (its network goes with it); Remove removes
// them all.

#include <string>
#include <vector>

#include "absl/status/statusor.h"
#include "k8s/cri/runtime/v1/api.pb.h"
#include "services/cri/pod_store.h"
#include "services/cri/tasks_client.h"

namespace berth::cri {

class PodSandboxes {
 public:
  // oom_floor: the lowest oom_score_adj this host lets berth give.
  PodSandboxes(PodStore* store, const TasksClient* tasks, int oom_floor)
      : store_(store), tasks_(tasks), oom_floor_(oom_floor) {}

  // The new pod's id.
  absl::StatusOr<std::string> Run(const runtime::v1::PodSandboxConfig& config);
  // Idempotent; NOT_FOUND for an id that was never a pod.
  absl::Status Stop(const std::string& id);
  // Idempotent: an unknown pod is no error.
  absl::Status Remove(const std::string& id);
  absl::StatusOr<runtime::v1::PodSandboxStatusResponse> Status(const std::string& id, bool verbose);
  absl::StatusOr<std::vector<runtime::v1::PodSandbox>> List(
      const runtime::v1::PodSandboxFilter& filter);

  // By full id or unique prefix; NOT_FOUND otherwise.
  absl::StatusOr<PodRecord> Resolve(const std::string& id) const;
  int oom_floor() const { return oom_floor_; }

 private:
  // Stops (timeout 0, as containerd) every CRI container of the pod.
  absl::Status StopContainers(const std::string& pod_id);
  // READY only while the record says so and its holder runs.
  runtime::v1::PodSandboxState StateOf(const PodRecord& pod,
                                       const berth::tasks::v1::Container* holder) const;

  PodStore* store_;
  const TasksClient* tasks_;
  int oom_floor_;
};

}  // namespace berth::cri

#endif  // BERTH_SERVICES_CRI_POD_SANDBOXES_H_
