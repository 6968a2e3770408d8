#include "shim/container/namespace_switch.h"

#include <fcntl.h>
#include <sched.h>

#include <cerrno>

#include "absl/strings/str_cat.h"

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

namespace {

const char* NamespaceName(int type) {
  switch (type) {
    case CLONE_NEWNET:
      return "net";
    case CLONE_NEWIPC:
      return "ipc";
    case CLONE_NEWUTS:
      return "uts";
    default:
      return nullptr;
  }
}

}  // namespace

absl::Status ThreadNamespaceSwitch::Enter(int fd, int type) {
  const char* name = NamespaceName(type);
  if (name == nullptr) return absl::InvalidArgumentError("not a per-thread namespace type");
  own_.Reset(::open(absl::StrCat("/proc/thread-self/ns/", name).c_str(), O_RDONLY | O_CLOEXEC));
  if (!own_.valid()) return absl::ErrnoToStatus(errno, absl::StrCat("open own ", name, " namespace"));
  if (::setns(fd, type) != 0) {
    int error = errno;
    own_.Reset();
    return absl::ErrnoToStatus(error, absl::StrCat("enter the container's ", name, " namespace"));
  }
  type_ = type;
  return absl::OkStatus();
}

ThreadNamespaceSwitch::~ThreadNamespaceSwitch() {
  if (own_.valid()) ::setns(own_.get(), type_);
}

}  // namespace berth::container
