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

}  // namespace berth::container

#endif  // BERTH_SHIM_CONTAINER_NAMESPACE_SWITCH_H_
