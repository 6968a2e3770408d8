#ifndef BERTH_SHIM_CONTAINER_EXEC_H_
#define BERTH_SHIM_CONTAINER_EXEC_H_

// Starts another process in a running container (docker exec): it joins
// the namespaces of the container's first process (user when it differs
// from ours, ipc, uts, net, cgroup, mnt, and pid — for which the caller's
// pid_for_children is switched around the fork, so that the process is
// born in the container's pid namespace and stays the caller's child),
// then finishes as every container process does (process_setup.h).

#include <sys/types.h>

#include <functional>

#include "absl/status/statusor.h"
#include "services/common/base/unique_fd.h"
#include "shim/container/process_setup.h"

namespace berth::container {

struct ExecConfig : ProcessConfig {
  // The container's first process, as the host sees it.
  pid_t target = 0;
  // stdio of the process; -1 for /dev/null. Unused with terminal.
  int stdin_fd = -1;
  int stdout_fd = -1;
  int stderr_fd = -1;
  // With terminal: receives the pseudo-terminal's master.
  UniqueFd* console = nullptr;
  // Runs in the parent before the child joins anything: put it into the
  // container's cgroup. An error kills the child and is the error.
  std::function<absl::Status(pid_t)> before_start;
};

// The new process as the host sees it. Must be called from a
// single-threaded process (it switches its own pid_for_children).
absl::StatusOr<pid_t> SpawnExec(const ExecConfig& config);

}  // namespace berth::container

#endif  // BERTH_SHIM_CONTAINER_EXEC_H_
