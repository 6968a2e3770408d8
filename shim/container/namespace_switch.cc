#include "shim/container/namespace_switch.h"

#include <fcntl.h>
#include <sched.h>

#include <cerrno>

namespace berth::container {

absl::Status PidNamespaceSwitch::Enter(const std::string& path) {
  own_.Reset(::open("/proc/self/ns/pid", O_RDONLY | O_CLOEXEC));
  if (!own_.valid()) return absl::ErrnoToStatus(errno, "open own pid namespace");
  UniqueFd theirs(::open(path.c_str(), O_RDONLY | O_CLOEXEC));
  if (!theirs.valid()) {
    int error = errno;
    own_.Reset();
    return absl::ErrnoToStatus(error, "open pid namespace " + path);
  }
  if (::setns(theirs.get(), CLONE_NEWPID) != 0) {
    int error = errno;
    own_.Reset();
    return absl::ErrnoToStatus(error, "join pid namespace " + path);
  }
  return absl::OkStatus();
}

PidNamespaceSwitch::~PidNamespaceSwitch() {
  if (own_.valid()) ::setns(own_.get(), CLONE_NEWPID);
}

}  // namespace berth::container
