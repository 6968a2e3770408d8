#ifndef BERTH_SERVICES_CRI_CRI_CONTAINERS_H_
#define BERTH_SERVICES_CRI_CRI_CONTAINERS_H_

// The CRI's containers: tasks containers in k8s.io, labelled with their pod
// and the kubelet's facts, joined to their pod's namespace holder. There is
// no second store: the tasks service's record is the container.

#include <string>
#include <vector>

#include "absl/status/statusor.h"
#include "k8s/cri/runtime/v1/api.pb.h"
#include "services/cri/pod_sandboxes.h"
#include "services/cri/tasks_client.h"

namespace berth::cri {

struct ExecSyncResult {
  std::string stdout_bytes;
  std::string stderr_bytes;
  int exit_code = 0;
};

class CriContainers {
 public:
  CriContainers(PodSandboxes* pods, const TasksClient* tasks, const Backends* backends)
      : pods_(pods), tasks_(tasks), backends_(backends) {}

  absl::StatusOr<std::string> Create(const std::string& pod_id,
                                     const runtime::v1::ContainerConfig& config);
  absl::Status Start(const std::string& id);
  // timeout seconds, then SIGKILL; a container not running is no error.
  absl::Status Stop(const std::string& id, int64_t timeout_seconds);
  // Idempotent: an unknown container is no error.
  absl::Status Remove(const std::string& id);
  absl::StatusOr<std::vector<runtime::v1::Container>> List(
      const runtime::v1::ContainerFilter& filter);
  absl::StatusOr<runtime::v1::ContainerStatusResponse> Status(const std::string& id, bool verbose);
  // After the kubelet rotated the log away: a new file at its path.
  // FAILED_PRECONDITION when the container is not running.
  absl::Status ReopenLog(const std::string& id);
  // New limits for a created or running container (kept in its record,
  // applied to its cgroup when it runs); zero fields are left as they are.
  absl::Status UpdateResources(const std::string& id,
                               const runtime::v1::LinuxContainerResources& resources);
  // cmd in the running container; timeout 0: none. DEADLINE_EXCEEDED
  // when it ran out (the process is killed).
  // The container, FAILED_PRECONDITION unless it runs (exec, attach).
  absl::StatusOr<berth::tasks::v1::Container> GetRunning(const std::string& id) const;
  absl::StatusOr<ExecSyncResult> ExecSync(const std::string& id,
                                          const std::vector<std::string>& cmd,
                                          int64_t timeout_seconds);

 private:
  // NOT_FOUND unless id names a CRI container.
  absl::StatusOr<berth::tasks::v1::Container> Get(const std::string& id) const;

  PodSandboxes* pods_;
  const TasksClient* tasks_;
  const Backends* backends_;
};

}  // namespace berth::cri

#endif  // BERTH_SERVICES_CRI_CRI_CONTAINERS_H_
