#ifndef BERTH_SHIM_CONTAINER_NAMESPACE_SWITCH_H_
#define BERTH_SHIM_CONTAINER_NAMESPACE_SWITCH_H_

#include <string>

#include "absl/status/status.h"
#include "services/common/base/unique_fd.h"

namespace berth::container {

// Sets the caller's pid_for_children to another PID namespace (the next
// fork or clone is born in it: a process cannot change its own) and
// restores it when it goes out of scope.
class PidNamespaceSwitch {
 public:
  // `path`: /proc/PID/ns/pid of a process in the namespace.
  absl::Status Enter(const std::string& path);
  ~PidNamespaceSwitch();

 private:
  UniqueFd own_;
};

// Moves the calling thread into a network, IPC or UTS namespace (each
// thread has its own) and back when it goes out of scope, so that a child
// cloned meanwhile is born inside: a child in a new user namespace could
// not join one another user namespace owns.
class ThreadNamespaceSwitch {
 public:
  // `type`: CLONE_NEWNET, CLONE_NEWIPC or CLONE_NEWUTS.
  absl::Status Enter(int fd, int type);
  ~ThreadNamespaceSwitch();

 private:
  UniqueFd own_;
  int type_ = 0;
};

}  // namespace berth::container

#endif  // BERTH_SHIM_CONTAINER_NAMESPACE_SWITCH_H_
