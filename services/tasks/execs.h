#ifndef BERTH_SERVICES_TASKS_EXECS_H_
#define BERTH_SERVICES_TASKS_EXECS_H_

// docker exec's side of the tasks service: an exec is created (checked
// against the container's state, its process built from the container's
// config and the request, and registered with the container's shim, which
// owns it), then started attached or detached, resized, waited for and
// inspected. The shim kills and forgets them when the container stops.

#include <map>
#include <string>

#include "absl/status/statusor.h"
#include "absl/synchronization/mutex.h"
#include "berth/shim/v1/shim.pb.h"
#include "berth/tasks/v1/tasks.pb.h"
#include "services/tasks/container_store.h"
#include "services/tasks/task_manager.h"

namespace berth::tasks {

struct ExecRecord {
  std::string exec_id;
  std::string container_id;
  v1::ProcessSpec process;
  // The container's namespace: the exec is found there only.
  std::string ns;
};

// The shim's process for an exec: the container's environment with the
// request's on top (by key), its working directory and user unless given,
// TERM=xterm with a terminal (unless the container sets TERM), and the
// container's security settings.
berth::shim::v1::Process BuildExecProcess(const v1::ContainerSpec& container,
                                          const v1::ProcessSpec& exec);

class Execs {
 public:
  Execs(ContainerStore* store, TaskManager* tasks) : store_(store), tasks_(tasks) {}

  // docker's errors: "container ID is not running", "Container REF is
  // paused, unpause the container before exec".
  absl::StatusOr<std::string> Create(const std::string& ns, const std::string& ref,
                                     const v1::ProcessSpec& process);
  // NotFound for an exec of another namespace's container.
  absl::StatusOr<ExecRecord> Get(const std::string& ns, const std::string& exec_id);
  // The container is checked again (paused, stopped) as docker's start does.
  absl::StatusOr<int> Start(const ExecRecord& exec, uint32_t rows = 0, uint32_t cols = 0);
  absl::StatusOr<berth::shim::v1::WaitResponse> Wait(const ExecRecord& exec);
  absl::StatusOr<v1::ExecInfo> Inspect(const std::string& ns, const std::string& exec_id);
  absl::Status Resize(const ExecRecord& exec, uint32_t rows, uint32_t cols);
  // Signals the exec's process only (the CRI's ExecSync timeout kills it,
  // as containerd's); the container runs on.
  absl::Status Kill(const ExecRecord& exec, const std::string& signal_name);
  std::string SocketOf(const std::string& container_id) const;

 private:
  absl::Status CheckRunning(const std::string& ns, const std::string& ref);

  ContainerStore* store_;
  TaskManager* tasks_;
  absl::Mutex mu_;
  std::map<std::string, ExecRecord> execs_ ABSL_GUARDED_BY(mu_);
};

}  // namespace berth::tasks

#endif  // BERTH_SERVICES_TASKS_EXECS_H_
