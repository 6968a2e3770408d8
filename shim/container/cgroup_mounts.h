#ifndef BERTH_SHIM_CONTAINER_CGROUP_MOUNTS_H_
#define BERTH_SHIM_CONTAINER_CGROUP_MOUNTS_H_

// What a container mounts at /sys/fs/cgroup, from the host's layout: its
// own cgroup, seen through its cgroup namespace, so that runtimes sizing
// themselves from it (the JVM, Go's automaxprocs) see the container's
// limits. cgroup v2: the unified hierarchy there. v1: a tmpfs holding each
// hierarchy under the host's name for it ("memory", "cpu,cpuacct") and the
// host's symlinks to them ("cpu" -> "cpu,cpuacct").

#include <string>
#include <utility>
#include <vector>

#include "absl/strings/string_view.h"

namespace berth::container {

struct CgroupHierarchy {
  // The directory under /sys/fs/cgroup.
  std::string name;
  // cgroup (v1) or cgroup2.
  std::string type;
  // v1 mount data: the controllers and name= of the hierarchy (must be the
  // host's, or the kernel refuses a second mount of it).
  std::string data;
};

struct CgroupMounts {
  // cgroup2 at /sys/fs/cgroup itself.
  bool unified = false;
  std::vector<CgroupHierarchy> hierarchies;
  // (target, name): symlinks beside the hierarchies.
  std::vector<std::pair<std::string, std::string>> symlinks;
};

// From /proc/self/mountinfo's text. A hybrid host's v2 mount (systemd's
// tracking, "unified") is left out: the container has no cgroup of its own
// there, and would see the host's whole tree.
CgroupMounts ParseCgroupMounts(absl::string_view mountinfo);

// The host's: this process's mountinfo and the symlinks in /sys/fs/cgroup.
CgroupMounts HostCgroupMounts();

}  // namespace berth::container

#endif  // BERTH_SHIM_CONTAINER_CGROUP_MOUNTS_H_
