#ifndef BERTH_SERVICES_CRI_TASKS_CLIENT_H_
#define BERTH_SERVICES_CRI_TASKS_CLIENT_H_

// The tasks service's calls berth-cri makes, in the k8s.io namespace, as
// absl::Status: containers are created, started, stopped and removed there
// and only there.

#include <string>
#include <vector>

#include "absl/status/statusor.h"
#include "berth/tasks/v1/tasks.pb.h"
#include "services/cri/backends.h"

namespace berth::cri {

class TasksClient {
 public:
  explicit TasksClient(const Backends* backends) : backends_(backends) {}

  absl::StatusOr<std::string> Create(const berth::tasks::v1::CreateContainerRequest& request) const;
  absl::Status Start(const std::string& id) const;
  // SIGTERM (or the container's stop signal), timeout seconds, SIGKILL.
  absl::Status Stop(const std::string& id, int timeout_seconds) const;
  // Forced: a running container is killed first. NOT_FOUND passes through.
  absl::Status Remove(const std::string& id) const;
  absl::StatusOr<berth::tasks::v1::Container> Get(const std::string& id) const;
  // The shim closes and reopens the container's log at its path.
  absl::Status ReopenLog(const std::string& id) const;
  // Every container (running or not) with the label key=value.
  absl::StatusOr<std::vector<berth::tasks::v1::Container>> ListLabelled(
      const std::string& key, const std::string& value) const;

 private:
  const Backends* backends_;
};

}  // namespace berth::cri

#endif  // BERTH_SERVICES_CRI_TASKS_CLIENT_H_
