#include "shim/container/spawn.h"

#include <fcntl.h>
#include <grp.h>
#include <sched.h>
#include <signal.h>
#include <linux/capability.h>
#include <linux/close_range.h>
#include <linux/seccomp.h>
#include <net/if.h>
#include <sys/ioctl.h>
#include <sys/mount.h>
#include <sys/socket.h>
#include <sys/prctl.h>
#include <sys/resource.h>
#include <sys/stat.h>
#include <sys/statfs.h>
#include <sys/statvfs.h>  // ST_* of statfs's f_flags
#include <sys/syscall.h>
#include <sys/sysmacros.h>
#include <sys/wait.h>
#include <unistd.h>

#include <algorithm>
#include <cerrno>
#include <climits>
#include <cstring>
#include <deque>

#include "absl/strings/match.h"
#include "absl/strings/str_cat.h"
#include "absl/strings/str_join.h"
#include "absl/strings/str_replace.h"
#include "absl/strings/str_split.h"
#include "absl/types/span.h"
#include "services/common/mount/mount_options.h"
#include "shim/container/capabilities.h"
#include "shim/container/cgroup_mounts.h"
#include "shim/container/idmap.h"
#include "shim/container/mountinfo.h"
#include "shim/container/namespace_switch.h"
#include "shim/container/seccomp_profile.h"

namespace berth::container {
namespace {

constexpr size_t kStackSize = 256 * 1024;

// One mount(2) call prepared in the parent.
struct MountOp {
  const char* source = nullptr;
  const char* target = nullptr;
  const char* type = nullptr;
  unsigned long flags = 0;
  const char* data = nullptr;
  // Directory to chdir into first (overlay with relative lowerdirs).
  const char* chdir_to = nullptr;
  // mkdir target first (mount points under /dev, /proc...).
  bool make_dir = false;
  // Create an empty file as the target first (a device bound from the host).
  bool make_file = false;
  const char* step = "mount";
};

// A mount inside the container, made after pivot_root (see
// ContainerMount). A bind's source is cloned (open_tree) before pivot_root,
// while the host's paths are reachable, and attached (move_mount) after:
// the old root is detached by then, and a plain bind from it would fail.
struct InnerMount {
  const char* source = nullptr;  // host path for a bind
  const char* target = nullptr;  // container path
  std::vector<const char*> parents;  // directories to create first, outermost first
  bool file = false;                 // create an empty file as mount point
  const char* type = nullptr;
  unsigned long flags = 0;
  const char* data = nullptr;
  bool read_only = false;
  // Shown through the container's user namespace (berth's own volumes and
  // init files), not as they are on the host.
  bool idmap = false;
  // MS_SHARED or MS_SLAVE, with MS_REC for rshared and rslave; 0 for
  // private. Such a bind is cloned before the child makes its mounts
  // private, so that the clone is still a peer of the host's mount.
  unsigned long propagation = 0;
  int fd = -1;  // the detached clone, set in the child
};

// A detached mount the parent makes once the child's user namespace exists
// (an idmapped layer, the upper directory, a bind root) and the child
// attaches, relative to the staging directory.
struct Attachment {
  const char* source = nullptr;  // host path
  const char* target = nullptr;  // relative to the staging directory
};

struct DeviceNode {
  const char* path;
  unsigned int major;
  unsigned int minor;
};

// A node made after pivot_root, so that its path resolves in the
// container (--device, --privileged's host devices).
struct ExtraNode {
  const char* path = nullptr;
  const char* parent = nullptr;  // created first, as a mount point's
  mode_t mode = 0;               // type and permissions
  dev_t device = 0;
  uid_t uid = 0;
  gid_t gid = 0;
};

// Everything the child reads, laid out before clone().
struct Plan {
  std::deque<std::string> strings;  // owns every C string below (stable addresses)
  std::vector<MountOp> root_mounts;   // the root filesystem: host paths, or staging-relative
  std::vector<MountOp> mounts;        // before pivot_root, relative to the root filesystem
  std::vector<MountOp> late_mounts;   // after /dev (read-only /sys/fs/cgroup)
  std::vector<InnerMount> inner_mounts;  // after pivot_root
  std::deque<std::string> device_paths;
  std::vector<DeviceNode> devices;
  std::vector<ExtraNode> extra_nodes;
  std::vector<std::pair<std::string, std::string>> symlinks;  // target, link (host side)
  std::string rootfs;
  // Container paths, made read-only and masked last (see ProtectPaths).
  std::vector<const char*> readonly_paths;
  std::vector<const char*> masked_paths;
  bool read_only_root = false;
  bool new_network = false;
  std::string hostname;
  ProcessPlan process;
  int stdio[3] = {-1, -1, -1};
  int error_fd = -1;
  // The child waits for a byte (or EOF) here before anything else.
  int start_fd = -1;
  // A network namespace to join, opened by the parent.
  int netns_fd = -1;
  // Docker's sysctls for a container's own network namespace, written by
  // the child unless the parent does (see Spawn).
  bool child_writes_net_sysctls = false;
  std::string ping_group_range = "0 2147483647";
  // The container's own sysctls, written by the child after docker's
  // (those of a joined network namespace under userns by the parent).
  struct SysctlWrite {
    const char* path;
    const char* value;
    const char* step;  // "sysctl KEY", for the error
  };
  std::vector<SysctlWrite> sysctls;
  // In a user namespace of its own (userns-remap).
  bool userns = false;
  // The child stages the root filesystem relative to this directory (it may
  // not walk the host's paths to it) and receives the attachments' and the
  // inner binds' detached mounts on mounts_socket, in that order.
  int staging_fd = -1;
  int mounts_socket = -1;
  std::vector<Attachment> attachments;
  int received_count = 0;
};

// Mounts one user-namespaced container receives from the parent at most.
constexpr int kMaxReceivedMounts = 2 * kMaxFdsPerMessage;

// Writes each sysctl; on a failure its errno, *failed naming it. (No
// allocation: the clone() child calls it.)
int WriteSysctls(absl::Span<const Plan::SysctlWrite> sysctls, const char** failed) {
  for (const Plan::SysctlWrite& sysctl : sysctls) {
    *failed = sysctl.step;
    int file = ::open(sysctl.path, O_WRONLY | O_CLOEXEC);
    if (file < 0) return errno;
    ssize_t written = ::write(file, sysctl.value, std::strlen(sysctl.value));
    int error = errno;
    ::close(file);
    if (written < 0) return error;
  }
  return 0;
}

// What docker sets in every container's own network namespace: binding
// low ports and ping need no privilege there (and none that a container in
// a user namespace could hold over a namespace the host owns). The ping
// range is in the namespace owner's group ids (see Spawn).
int WriteNetSysctls(const char* ping_group_range) {
  const Plan::SysctlWrite sysctls[] = {
      {"/proc/sys/net/ipv4/ip_unprivileged_port_start", "0", "network sysctls"},
      {"/proc/sys/net/ipv4/ping_group_range", ping_group_range, "network sysctls"}};
  const char* failed = nullptr;
  return WriteSysctls(sysctls, &failed);
}

void RunMounts(const std::vector<MountOp>& ops, const Plan& plan) {
  int fd = plan.error_fd;
  for (const MountOp& op : ops) {
    if (op.make_dir) ::mkdir(op.target, 0755);
    if (op.make_file) {
      int created = ::open(op.target, O_WRONLY | O_CREAT | O_CLOEXEC, 0644);
      if (created < 0) FailChild(fd, op.step, errno);
      ::close(created);
    }
    if (op.chdir_to != nullptr && ::chdir(op.chdir_to) != 0) FailChild(fd, op.step, errno);
    if (::mount(op.source, op.target, op.type, op.flags, op.data) != 0) FailChild(fd, op.step, errno);
    if (op.chdir_to != nullptr && ::chdir("/") != 0) FailChild(fd, op.step, errno);
  }
}

// Opens the sources of binds while the host's paths are still reachable
// (in a user namespace the parent has opened them).
void OpenInnerSources(Plan& plan) {
  if (plan.userns) return;
  for (InnerMount& m : plan.inner_mounts) {
    if (m.source == nullptr || m.fd >= 0) continue;
    m.fd = ::open_tree(AT_FDCWD, m.source, OPEN_TREE_CLONE | OPEN_TREE_CLOEXEC | AT_RECURSIVE);
    if (m.fd < 0) FailChild(plan.error_fd, "clone mount source", errno);
  }
}

// Clones the sources of binds that propagate while this new mount
// namespace's copies are still peers (or slaves) of the host's mounts: a
// clone (open_tree, as a bind) joins its source's peer group or master,
// and making "/" private afterwards leaves a detached clone alone.
void OpenPropagatingSources(Plan& plan) {
  for (InnerMount& m : plan.inner_mounts) {
    if (m.source == nullptr || m.propagation == 0) continue;
    m.fd = ::open_tree(AT_FDCWD, m.source, OPEN_TREE_CLONE | OPEN_TREE_CLOEXEC | AT_RECURSIVE);
    if (m.fd < 0) FailChild(plan.error_fd, "clone mount source", errno);
  }
}

// mkdir -p for a mount point, following symlinks as the kernel will when
// it mounts there, and creating what a dangling one names (docker's
// FollowSymlinkInScope + MkdirAll). After pivot_root every absolute link
// and ".." resolves inside the container's root, so nothing of the host
// can be reached. Fixed buffers: the child does not allocate.
void MakeMountPoint(const char* target, int fd) {
  char path[PATH_MAX];
  char link[PATH_MAX];
  char next[PATH_MAX];
  if (std::strlen(target) >= sizeof(path)) FailChild(fd, "create mount point", ENAMETOOLONG);
  std::strcpy(path, target);
  size_t pos = 1;  // start of the component looked at; path[0, pos) is resolved
  for (int hops = 0;;) {
    while (path[pos] == '/') ++pos;
    if (path[pos] == '\0') return;
    size_t end = pos;
    while (path[end] != '\0' && path[end] != '/') ++end;
    char saved = path[end];
    path[end] = '\0';
    struct stat st;
    if (::lstat(path, &st) != 0) {
      if (errno != ENOENT) FailChild(fd, "create mount point", errno);
      if (::mkdir(path, 0755) != 0 && errno != EEXIST) FailChild(fd, "create mount point", errno);
    } else if (S_ISLNK(st.st_mode)) {
      if (++hops > 40) FailChild(fd, "create mount point", ELOOP);
      ssize_t n = ::readlink(path, link, sizeof(link) - 1);
      if (n < 0) FailChild(fd, "create mount point", errno);
      link[n] = '\0';
      // The link's text replaces the component; the rest follows it.
      size_t keep = link[0] == '/' ? 0 : pos;
      const char* rest = saved == '\0' ? "" : path + end + 1;
      if (keep + static_cast<size_t>(n) + 1 + std::strlen(rest) >= sizeof(next)) {
        FailChild(fd, "create mount point", ENAMETOOLONG);
      }
      std::memcpy(next, path, keep);
      next[keep] = '\0';
      std::strcat(next, link);
      if (*rest != '\0') {
        std::strcat(next, "/");
        std::strcat(next, rest);
      }
      std::strcpy(path, next);
      pos = keep == 0 ? 1 : keep;
      continue;
    } else if (!S_ISDIR(st.st_mode)) {
      // A file as the last component is the mount's business (a file bind).
      if (saved == '\0') return;
      FailChild(fd, "create mount point", ENOTDIR);
    }
    path[end] = saved;
    pos = end;
  }
}

// Runs in the container's root: symlinks resolve inside it.
void RunInnerMounts(const Plan& plan) {
  int fd = plan.error_fd;
  for (const InnerMount& m : plan.inner_mounts) {
    if (!m.file) {
      MakeMountPoint(m.target, fd);
    } else if (!m.parents.empty()) {
      MakeMountPoint(m.parents.back(), fd);
    }
    if (m.file) {
      int created = ::open(m.target, O_WRONLY | O_CREAT | O_CLOEXEC, 0644);
      if (created >= 0) ::close(created);
    } else if (::mkdir(m.target, 0755) != 0 && errno != EEXIST) {
      FailChild(fd, "create mount point", errno);
    }
    if (m.source != nullptr) {
      if (::move_mount(m.fd, "", AT_FDCWD, m.target, MOVE_MOUNT_F_EMPTY_PATH | MOVE_MOUNT_T_SYMLINKS) != 0) {
        FailChild(fd, "attach bind mount", errno);
      }
    } else if (::mount(m.type, m.target, m.type, m.flags, m.data) != 0) {
      FailChild(fd, "mount tmpfs", errno);
    }
    if (m.read_only && m.source != nullptr &&
        ::mount(nullptr, m.target, nullptr, MS_REMOUNT | MS_BIND | MS_RDONLY | MS_REC, nullptr) !=
            0) {
      FailChild(fd, "read-only mount", errno);
    }
    // rslave turns the peer into a slave; rshared keeps it a peer.
    if (m.propagation != 0 && ::mount(nullptr, m.target, nullptr, m.propagation, nullptr) != 0) {
      FailChild(fd, "mount propagation", errno);
    }
    if (m.fd >= 0) ::close(m.fd);
  }
}

// Read-only, then masked paths, as runc: after every other mount and
// pivot_root, so that each path resolves in the container (a symlink in
// the image cannot point it at the host) and a read-only directory has
// already taken the binds made under it (/etc and /etc/hosts). A path the
// image lacks is not there to protect.
void ProtectPaths(const Plan& plan) {
  int fd = plan.error_fd;
  for (const char* path : plan.readonly_paths) {
    if (::mount(path, path, nullptr, MS_BIND | MS_REC, nullptr) != 0) {
      if (errno == ENOENT) continue;
      FailChild(fd, "read-only path", errno);
    }
    // A remount keeps nosuid, nodev and noexec (in a user namespace it may
    // not drop those it inherited).
    unsigned long kept = 0;
    struct statfs st;
    if (::statfs(path, &st) == 0) {
      if ((st.f_flags & ST_NOSUID) != 0) kept |= MS_NOSUID;
      if ((st.f_flags & ST_NODEV) != 0) kept |= MS_NODEV;
      if ((st.f_flags & ST_NOEXEC) != 0) kept |= MS_NOEXEC;
    }
    if (::mount(nullptr, path, nullptr, MS_BIND | MS_REMOUNT | MS_RDONLY | kept, nullptr) != 0) {
      FailChild(fd, "read-only path", errno);
    }
  }
  for (const char* path : plan.masked_paths) {
    struct stat st;
    if (::stat(path, &st) != 0) continue;
    int rc = S_ISDIR(st.st_mode) ? ::mount("tmpfs", path, "tmpfs", MS_RDONLY, "size=0")
                                 : ::mount("/dev/null", path, nullptr, MS_BIND, nullptr);
    if (rc != 0) FailChild(fd, "mask path", errno);
  }
}

int ChildMain(void* arg) {
  Plan& plan = *static_cast<Plan*>(arg);
  int fd = plan.error_fd;
  if (plan.start_fd >= 0) {
    char go;
    ssize_t n;
    do {
      n = ::read(plan.start_fd, &go, 1);
    } while (n < 0 && errno == EINTR);
    if (n != 1) ::_exit(127);  // the parent gave up on us
    ::close(plan.start_fd);
  }
  StartChildProcess(fd, plan.stdio);
  // The cgroup namespace is made here, not by clone(): the parent has put
  // us in the container's cgroup by now, and that must be the namespace's
  // root ("/" in /proc/self/cgroup), not the shim's.
  if (::unshare(CLONE_NEWCGROUP) != 0) FailChild(fd, "new cgroup namespace", errno);
  if (plan.userns) {
    int received[kMaxReceivedMounts];
    if (!ReceiveFds(plan.mounts_socket, received, plan.received_count)) {
      FailChild(fd, "receive mounts", EPROTO);
    }
    ::close(plan.mounts_socket);
    size_t next = 0;
    // Become the namespace's root (the host's root is not mapped in it, and
    // the overlay is created with these credentials), without the host's
    // supplementary groups. Raw system calls: this is a clone() child.
    if (::syscall(SYS_setresgid, 0, 0, 0) != 0) FailChild(fd, "setresgid", errno);
    if (::syscall(SYS_setresuid, 0, 0, 0) != 0) FailChild(fd, "setresuid", errno);
    if (::syscall(SYS_setgroups, 0, nullptr) != 0) FailChild(fd, "setgroups", errno);
    // Born in the shim's mount namespace: the staging directory the shim
    // opened is in it, and unshare carries the working directory over to
    // the new namespace's copy (a directory of the shim's namespace would
    // not take mounts of the new one).
    if (::fchdir(plan.staging_fd) != 0) FailChild(fd, "enter staging directory", errno);
    if (::unshare(CLONE_NEWNS) != 0) FailChild(fd, "new mount namespace", errno);
    if (::mount(nullptr, "/", nullptr, MS_REC | MS_PRIVATE, nullptr) != 0) {
      FailChild(fd, "make / private", errno);
    }
    for (const Attachment& attachment : plan.attachments) {
      if (::move_mount(received[next++], "", AT_FDCWD, attachment.target,
                       MOVE_MOUNT_F_EMPTY_PATH) != 0) {
        FailChild(fd, "attach layer", errno);
      }
    }
    for (InnerMount& m : plan.inner_mounts) {
      if (m.source != nullptr) m.fd = received[next++];
    }
  } else {
    if (plan.netns_fd >= 0 && ::setns(plan.netns_fd, CLONE_NEWNET) != 0) {
      FailChild(fd, "join the network namespace", errno);
    }
    OpenPropagatingSources(plan);
    // Nothing the container mounts may reach the host's peer groups (a
    // systemd host's "/" is shared), but the binds cloned above.
    if (::mount(nullptr, "/", nullptr, MS_REC | MS_PRIVATE, nullptr) != 0) {
      FailChild(fd, "make / private", errno);
    }
  }
  // A new network namespace starts with lo down; docker's "none" has it up.
  if (plan.new_network) {
    int sock = ::socket(AF_INET, SOCK_DGRAM | SOCK_CLOEXEC, 0);
    ifreq request{};
    std::memcpy(request.ifr_name, "lo", 3);
    if (sock < 0 || ::ioctl(sock, SIOCGIFFLAGS, &request) != 0) FailChild(fd, "loopback up", errno);
    request.ifr_flags = static_cast<short>(request.ifr_flags | IFF_UP);
    if (::ioctl(sock, SIOCSIFFLAGS, &request) != 0) FailChild(fd, "loopback up", errno);
    ::close(sock);
  }
  if (plan.child_writes_net_sysctls) {
    int error = WriteNetSysctls(plan.ping_group_range.c_str());
    if (error != 0) FailChild(fd, "network sysctls", error);
  }
  const char* failed_sysctl = "sysctl";
  if (int error = WriteSysctls(plan.sysctls, &failed_sysctl); error != 0) {
    FailChild(fd, failed_sysctl, error);
  }
  // The root filesystem, then everything else relative to it.
  RunMounts(plan.root_mounts, plan);
  if (plan.userns) {
    if (::chdir("rootfs") != 0) FailChild(fd, "chdir rootfs", errno);
  } else if (::chdir(plan.rootfs.c_str()) != 0) {
    FailChild(fd, "chdir rootfs", errno);
  }
  RunMounts(plan.mounts, plan);
  for (const DeviceNode& device : plan.devices) {
    if (::mknod(device.path, S_IFCHR | 0666, makedev(device.major, device.minor)) != 0) {
      FailChild(fd, "create device node", errno);
    }
    ::chmod(device.path, 0666);
  }
  for (const auto& [target, link] : plan.symlinks) {
    if (::symlink(target.c_str(), link.c_str()) != 0 && errno != EEXIST) FailChild(fd, "symlink", errno);
  }
  RunMounts(plan.late_mounts, plan);
  OpenInnerSources(plan);
  // pivot_root(".", ".") stacks the old root under the new one, then it is
  // detached: nothing of the host stays reachable.
  if (::syscall(SYS_pivot_root, ".", ".") != 0) FailChild(fd, "pivot_root", errno);
  if (::umount2(".", MNT_DETACH) != 0) FailChild(fd, "detach old root", errno);
  if (::chdir("/") != 0) FailChild(fd, "chdir /", errno);
  RunInnerMounts(plan);
  for (const ExtraNode& node : plan.extra_nodes) {
    MakeMountPoint(node.parent, fd);
    ::unlink(node.path);  // a default node of the same name gives way
    if (::mknod(node.path, node.mode, node.device) != 0) FailChild(fd, "create device node", errno);
    if (::chown(node.path, node.uid, node.gid) != 0 || ::chmod(node.path, node.mode & 07777) != 0) {
      FailChild(fd, "create device node", errno);
    }
  }
  ProtectPaths(plan);
  if (plan.read_only_root &&
      ::mount(nullptr, "/", nullptr, MS_REMOUNT | MS_BIND | MS_RDONLY, nullptr) != 0) {
    FailChild(fd, "read-only root", errno);
  }
  if (!plan.hostname.empty() && ::sethostname(plan.hostname.data(), plan.hostname.size()) != 0) {
    FailChild(fd, "sethostname", errno);
  }
  FinishProcess(plan.process, fd);
}

void AddRootfsMounts(const SpawnConfig& config, Plan* plan) {
  auto keep = [plan](std::string s) -> const char* {
    plan->strings.push_back(std::move(s));
    return plan->strings.back().c_str();
  };
  for (const auto& m : config.rootfs) {
    bool read_only = false;
    std::vector<std::string> data;
    for (const std::string& option : m.options()) {
      if (option == "ro") {
        read_only = true;
      } else if (option != "rw" && option != "rbind") {
        data.push_back(option);
      }
    }
    MountOp op;
    op.target = keep(config.rootfs_dir);
    op.step = "mount root filesystem";
    if (m.type() == "bind") {
      op.source = keep(m.source());
      op.flags = MS_BIND | MS_REC;
      plan->root_mounts.push_back(op);
      if (read_only) {
        MountOp remount = op;
        remount.source = nullptr;
        remount.flags = MS_BIND | MS_REMOUNT | MS_RDONLY | MS_REC;
        plan->root_mounts.push_back(remount);
      }
      continue;
    }
    op.source = keep(m.source().empty() ? m.type() : m.source());
    op.type = keep(m.type());
    op.flags = read_only ? MS_RDONLY : 0;
    std::string joined = absl::StrJoin(data, ",");
    if (joined.size() >= static_cast<size_t>(::sysconf(_SC_PAGESIZE)) && m.type() == "overlay") {
      // Long layer lists: relative to the snapshots' directory, mounted
      // from there (the child chdirs first).
      std::string parent;
      for (const std::string& option : data) {
        size_t eq = option.find('=');
        if (eq != std::string::npos && absl::StartsWith(option, "upperdir=")) {
          std::string upper = option.substr(eq + 1);
          parent = upper.substr(0, upper.rfind('/'));
          parent = parent.substr(0, parent.rfind('/') + 1);
        }
      }
      if (!parent.empty()) {
        joined = absl::StrReplaceAll(joined, {{parent, ""}});
        op.chdir_to = keep(parent);
      }
    }
    op.data = keep(joined);
    plan->root_mounts.push_back(op);
  }
}

std::pair<std::string, std::string> SplitDirectory(const std::string& path) {
  size_t slash = path.rfind('/');
  if (slash == std::string::npos) return {".", path};
  return {path.substr(0, slash), path.substr(slash + 1)};
}

// The same root filesystem for a container in its own user namespace:
// every layer (and the upper directory's parent, which holds the work
// directory too) becomes an idmapped attachment under the staging
// directory, and the overlay names them relative to it. userxattr: in a
// user namespace the overlay keeps its whiteout and opaque marks in
// user.overlay.* (trusted.* needs the host's CAP_SYS_ADMIN).
absl::Status AddStagedRootfsMounts(const SpawnConfig& config, Plan* plan) {
  auto keep = [plan](std::string s) -> const char* {
    plan->strings.push_back(std::move(s));
    return plan->strings.back().c_str();
  };
  if (config.rootfs.size() != 1) {
    return absl::InvalidArgumentError("a user-namespaced container needs exactly one root mount");
  }
  const auto& m = config.rootfs[0];
  bool read_only = false;
  std::vector<std::string> lowers;
  std::string upper, work;
  std::vector<std::string> options;
  for (const std::string& option : m.options()) {
    if (option == "ro") {
      read_only = true;
    } else if (absl::StartsWith(option, "lowerdir=")) {
      lowers = absl::StrSplit(option.substr(9), ':');
    } else if (absl::StartsWith(option, "upperdir=")) {
      upper = option.substr(9);
    } else if (absl::StartsWith(option, "workdir=")) {
      work = option.substr(8);
    } else if (option != "rw" && option != "rbind" && option != "userxattr") {
      options.push_back(option);
    }
  }
  MountOp op;
  op.target = "rootfs";
  op.step = "mount root filesystem";
  if (m.type() == "bind") {
    plan->attachments.push_back({keep(m.source()), "rootfs"});
    if (read_only) {
      op.flags = MS_BIND | MS_REMOUNT | MS_RDONLY | MS_REC;
      plan->root_mounts.push_back(op);
    }
    return absl::OkStatus();
  }
  if (m.type() != "overlay" || lowers.empty()) {
    return absl::InvalidArgumentError(
        absl::StrCat("root mount of type ", m.type(), " cannot be idmapped"));
  }
  std::vector<std::string> staged_lowers;
  for (size_t i = 0; i < lowers.size(); ++i) {
    staged_lowers.push_back(absl::StrCat("layers/", i));
    plan->attachments.push_back({keep(lowers[i]), keep(staged_lowers.back())});
  }
  std::vector<std::string> data = {absl::StrCat("lowerdir=", absl::StrJoin(staged_lowers, ":"))};
  if (!upper.empty()) {
    auto [upper_parent, upper_name] = SplitDirectory(upper);
    auto [work_parent, work_name] = SplitDirectory(work);
    if (work.empty() || upper_parent != work_parent) {
      return absl::InvalidArgumentError(
          "overlay upperdir and workdir must share a directory to be idmapped");
    }
    plan->attachments.push_back({keep(upper_parent), "upper"});
    data.push_back("upperdir=upper/" + upper_name);
    data.push_back("workdir=upper/" + work_name);
  }
  for (std::string& option : options) data.push_back(std::move(option));
  data.push_back("userxattr");
  op.source = "overlay";
  op.type = "overlay";
  op.flags = read_only ? MS_RDONLY : 0;
  op.data = keep(absl::StrJoin(data, ","));
  plan->root_mounts.push_back(op);
  return absl::OkStatus();
}

// The container's own cgroup at /sys/fs/cgroup (see cgroup_mounts.h),
// read-only unless privileged (docker's). The child has its cgroup
// namespace by then, so each hierarchy's root is the container's cgroup.
void AddCgroupMounts(const SpawnConfig& config, const std::string& r, Plan* plan,
                     std::vector<MountOp>* late) {
  auto keep = [plan](std::string s) -> const char* {
    plan->strings.push_back(std::move(s));
    return plan->strings.back().c_str();
  };
  CgroupMounts host = HostCgroupMounts();
  unsigned long flags = MS_NOSUID | MS_NODEV | MS_NOEXEC | (config.privileged ? 0 : MS_RDONLY);
  const std::string root = r + "/sys/fs/cgroup";
  MountOp op;
  op.step = "mount /sys/fs/cgroup";
  if (host.unified) {
    op.source = "cgroup2";
    op.target = keep(root);
    op.type = "cgroup2";
    op.flags = flags;
    plan->mounts.push_back(op);
    return;
  }
  if (host.hierarchies.empty()) return;
  op.source = "tmpfs";
  op.target = keep(root);
  op.type = "tmpfs";
  op.flags = MS_NOSUID | MS_NODEV | MS_NOEXEC;
  op.data = "mode=755";
  plan->mounts.push_back(op);
  for (const CgroupHierarchy& hierarchy : host.hierarchies) {
    MountOp mount;
    mount.source = "cgroup";
    mount.target = keep(root + "/" + hierarchy.name);
    mount.type = "cgroup";
    mount.flags = flags;
    mount.data = keep(hierarchy.data);
    mount.make_dir = true;
    mount.step = "mount /sys/fs/cgroup";
    plan->mounts.push_back(mount);
  }
  for (const auto& [target, name] : host.symlinks) plan->symlinks.emplace_back(target, root + "/" + name);
  if (!config.privileged) {
    MountOp remount;
    remount.target = keep(root);
    remount.flags = MS_REMOUNT | MS_BIND | MS_RDONLY | MS_NOSUID | MS_NODEV | MS_NOEXEC;
    remount.step = "read-only /sys/fs/cgroup";
    late->push_back(remount);
  }
}

}  // namespace

std::vector<std::string> DefaultMaskedPaths() {
  return {"/proc/asound",        "/proc/acpi",      "/proc/kcore",         "/proc/keys",
          "/proc/latency_stats", "/proc/timer_list", "/proc/timer_stats",  "/proc/sched_debug",
          "/proc/scsi",          "/sys/firmware",   "/sys/devices/virtual/powercap"};
}

std::vector<std::string> DefaultReadonlyPaths() {
  return {"/proc/bus", "/proc/fs", "/proc/irq", "/proc/sys", "/proc/sysrq-trigger"};
}

namespace {

// The parent's side of a user-namespaced child, between clone and the
// start signal: maps, then the detached mounts it attaches.
absl::Status PrepareUserNamespace(const SpawnConfig& config, const Plan& plan, pid_t pid,
                                  int mounts_socket) {
  if (absl::Status status = WriteIdMaps(pid, config.uid_map, config.gid_map); !status.ok()) {
    return status;
  }
  UniqueFd userns(::open(absl::StrCat("/proc/", pid, "/ns/user").c_str(), O_RDONLY | O_CLOEXEC));
  if (!userns.valid()) return absl::ErrnoToStatus(errno, "open the container's user namespace");
  std::vector<UniqueFd> clones;
  for (const Attachment& attachment : plan.attachments) {
    auto clone = CloneMount(attachment.source, userns.get());
    if (!clone.ok()) return clone.status();
    clones.push_back(*std::move(clone));
  }
  for (const InnerMount& m : plan.inner_mounts) {
    if (m.source == nullptr) continue;
    auto clone = CloneMount(m.source, m.idmap ? userns.get() : -1);
    if (!clone.ok()) return clone.status();
    clones.push_back(*std::move(clone));
  }
  std::vector<int> fds;
  for (const UniqueFd& clone : clones) fds.push_back(clone.get());
  if (absl::Status status = SendFds(mounts_socket, fds); !status.ok()) return status;
  // Raising a hard limit needs CAP_SYS_RESOURCE in the host's namespace,
  // which the container's root never has: set them from here.
  for (const Rlimit& limit : config.rlimits) {
    struct rlimit value = {limit.soft, limit.hard};
    if (::prlimit(pid, static_cast<__rlimit_resource>(limit.resource), &value, nullptr) != 0) {
      return absl::ErrnoToStatus(errno, absl::StrCat("setrlimit ", limit.resource));
    }
  }
  return absl::OkStatus();
}

// A bind's propagation as mount(2) flags, after checking that the host's
// mount of its source can give it (docker's and containerd's errors).
absl::StatusOr<unsigned long> PropagationFlags(const ContainerMount& mount, bool userns) {
  const std::string& name = mount.propagation;
  if (name.empty() || name == "rprivate" || name == "private") return 0UL;
  unsigned long flags = 0;
  if (name == "rshared" || name == "shared") {
    flags = MS_SHARED;
  } else if (name == "rslave" || name == "slave") {
    flags = MS_SLAVE;
  } else {
    return absl::InvalidArgumentError(absl::StrCat("mount ", mount.destination,
                                                   ": invalid propagation mode: ", name));
  }
  if (absl::StartsWith(name, "r")) flags |= MS_REC;
  // The host's mounts would reach a namespace that another user owns, and
  // its mounts the host's (not done: refused rather than ignored).
  if (userns) {
    return absl::InvalidArgumentError(absl::StrCat("mount ", mount.destination, ": propagation ", name,
                                                   " is not supported with user namespaces"));
  }
  char resolved[PATH_MAX];
  if (::realpath(mount.source.c_str(), resolved) == nullptr) {
    return absl::ErrnoToStatus(errno, absl::StrCat("bind source ", mount.source));
  }
  auto mounts = ReadMountInfo();
  if (!mounts.ok()) return mounts.status();
  const MountInfoEntry* host = MountOfPath(*mounts, resolved);
  if (host == nullptr) {
    return absl::FailedPreconditionError(absl::StrCat("path ", resolved, " is on no mount"));
  }
  if ((flags & MS_SHARED) != 0 && !host->shared()) {
    return absl::FailedPreconditionError(absl::StrCat(
        "path ", mount.source, " is mounted on ", host->mount_point, " but it is not a shared mount"));
  }
  if ((flags & MS_SLAVE) != 0 && !host->shared() && !host->slave()) {
    return absl::FailedPreconditionError(absl::StrCat("path ", mount.source, " is mounted on ",
                                                      host->mount_point,
                                                      " but it is not a shared or slave mount"));
  }
  return flags;
}

// Kills and reaps a child that will not be started.
void Abandon(pid_t pid) {
  ::kill(pid, SIGKILL);
  ::waitpid(pid, nullptr, 0);
}

}  // namespace

absl::StatusOr<pid_t> Spawn(const SpawnConfig& config) {
  Plan plan;
  auto keep = [&plan](std::string s) -> const char* {
    plan.strings.push_back(std::move(s));
    return plan.strings.back().c_str();
  };
  plan.userns = !config.uid_map.empty();
  if (plan.userns && config.host_network) {
    return absl::InvalidArgumentError(
        "cannot share the host's network namespace when user namespaces are enabled");
  }
  // Its own user namespace could not mount /proc for a PID namespace that
  // another one owns.
  if (plan.userns && !config.pidns_path.empty()) {
    return absl::InvalidArgumentError(
        "cannot share another PID namespace when user namespaces are enabled");
  }
  plan.rootfs = config.rootfs_dir;
  if (plan.userns) {
    if (absl::Status status = AddStagedRootfsMounts(config, &plan); !status.ok()) return status;
  } else {
    AddRootfsMounts(config, &plan);
  }
  plan.new_network = !config.host_network && config.netns_path.empty();
  for (const auto& [key, value] : config.sysctls) {
    std::string path = "/proc/sys/" + key;
    std::replace(path.begin() + 10, path.end(), '.', '/');
    plan.sysctls.push_back({keep(path), keep(value), keep("sysctl " + key)});
  }
  // After /dev and its nodes: the read-only remount of /sys/fs/cgroup's
  // tmpfs.
  std::vector<MountOp> late;
  // Every mount below is relative to the root filesystem (the child's
  // working directory by then).
  const std::string r = ".";
  auto add = [&](const char* source, const std::string& target, const char* type,
                 unsigned long flags, const char* data, const char* step) {
    MountOp op;
    op.source = source;
    op.target = keep(r + target);
    op.type = type;
    op.flags = flags;
    op.data = data;
    op.make_dir = true;
    op.step = step;
    plan.mounts.push_back(op);
  };
  add("proc", "/proc", "proc", MS_NOSUID | MS_NOEXEC | MS_NODEV, nullptr, "mount /proc");
  add("tmpfs", "/dev", "tmpfs", MS_NOSUID | MS_STRICTATIME, "mode=755,size=65536k", "mount /dev");
  add("devpts", "/dev/pts", "devpts", MS_NOSUID | MS_NOEXEC, "newinstance,ptmxmode=0666,mode=0620",
      "mount /dev/pts");
  add("shm", "/dev/shm", "tmpfs", MS_NOSUID | MS_NOEXEC | MS_NODEV, "mode=1777,size=65536k",
      "mount /dev/shm");
  // Only the owner of an IPC namespace may mount its queues: a joined one
  // in a user namespace goes without (mq_open does not need the mount).
  if (!plan.userns || config.ipcns_path.empty()) {
    add("mqueue", "/dev/mqueue", "mqueue", MS_NOSUID | MS_NOEXEC | MS_NODEV, nullptr,
        "mount /dev/mqueue");
  }
  // sysfs belongs to a network namespace, and only its owner may mount it:
  // from a user namespace in a network namespace the host owns (its own or
  // the network service's), show the host's, read-only (as runc does).
  if (plan.userns && !plan.new_network) {
    add(keep("/sys"), "/sys", nullptr, MS_BIND | MS_REC, nullptr, "bind /sys");
    add(nullptr, "/sys", nullptr, MS_BIND | MS_REMOUNT | MS_RDONLY | MS_REC, nullptr, "bind /sys");
  } else {
    // Writable for --privileged, as docker's.
    add("sysfs", "/sys", "sysfs", (config.privileged ? 0 : MS_RDONLY) | MS_NOSUID | MS_NODEV | MS_NOEXEC,
        nullptr, "mount /sys");
  }
  AddCgroupMounts(config, r, &plan, &late);
  static const DeviceNode kDevices[] = {{"/dev/null", 1, 3},   {"/dev/zero", 1, 5},
                                        {"/dev/full", 1, 7},   {"/dev/random", 1, 8},
                                        {"/dev/urandom", 1, 9}, {"/dev/tty", 5, 0}};
  for (const DeviceNode& device : kDevices) {
    if (plan.userns) {
      // No mknod in a user namespace: the host's nodes, bound.
      MountOp bind;
      bind.source = device.path;
      bind.target = keep(r + device.path);
      bind.flags = MS_BIND;
      bind.make_file = true;
      bind.step = "bind device node";
      plan.mounts.push_back(bind);
      continue;
    }
    plan.device_paths.push_back(r + device.path);
    plan.devices.push_back({plan.device_paths.back().c_str(), device.major, device.minor});
  }
  plan.symlinks.insert(plan.symlinks.end(), {{"pts/ptmx", r + "/dev/ptmx"},
                                              {"/proc/self/fd", r + "/dev/fd"},
                                              {"/proc/self/fd/0", r + "/dev/stdin"},
                                              {"/proc/self/fd/1", r + "/dev/stdout"},
                                              {"/proc/self/fd/2", r + "/dev/stderr"}});
  for (const std::string& path : config.readonly_paths) {
    if (path.empty() || path[0] != '/') {
      return absl::InvalidArgumentError(absl::StrCat("read-only path \"", path, "\" is not absolute"));
    }
    plan.readonly_paths.push_back(keep(path));
  }
  for (const std::string& path : config.masked_paths) {
    if (path.empty() || path[0] != '/') {
      return absl::InvalidArgumentError(absl::StrCat("masked path \"", path, "\" is not absolute"));
    }
    plan.masked_paths.push_back(keep(path));
  }

  plan.read_only_root = config.read_only_root;
  // A joined UTS namespace keeps the name its owner gave it.
  if (config.utsns_path.empty()) plan.hostname = config.hostname;
  std::vector<ContainerMount> mounts = config.mounts;
  for (const DeviceNodeSpec& device : config.devices) {
    if (device.path.empty() || device.path[0] != '/' || (device.type != 'c' && device.type != 'b')) {
      return absl::InvalidArgumentError(absl::StrCat("device \"", device.path, "\": not an absolute path of a node"));
    }
    if (plan.userns) {
      // No mknod in a user namespace: the host's node, bound (its cgroup
      // rule still decides what may be done with it).
      ContainerMount bind;
      bind.source = device.host_path;
      bind.destination = device.path;
      mounts.push_back(std::move(bind));
      continue;
    }
    ExtraNode node;
    node.path = keep(device.path);
    node.parent = keep(device.path.substr(0, std::max<size_t>(device.path.rfind('/'), 1)));
    node.mode = (device.type == 'b' ? S_IFBLK : S_IFCHR) | (device.mode & 07777);
    node.device = makedev(device.major, device.minor);
    node.uid = device.uid;
    node.gid = device.gid;
    plan.extra_nodes.push_back(node);
  }
  for (const ContainerMount& mount : mounts) {
    if (mount.destination.empty() || mount.destination[0] != '/') {
      return absl::InvalidArgumentError(
          absl::StrCat("mount destination \"", mount.destination, "\" is not an absolute path"));
    }
    InnerMount inner;
    inner.target = keep(mount.destination);
    for (size_t slash = mount.destination.find('/', 1); slash != std::string::npos;
         slash = mount.destination.find('/', slash + 1)) {
      inner.parents.push_back(keep(mount.destination.substr(0, slash)));
    }
    if (mount.type == "bind") {
      struct stat st;
      if (::stat(mount.source.c_str(), &st) != 0) {
        return absl::ErrnoToStatus(errno, absl::StrCat("bind source ", mount.source));
      }
      inner.source = keep(mount.source);
      inner.file = !S_ISDIR(st.st_mode);
      inner.flags = MS_BIND | MS_REC;
      inner.read_only = mount.read_only;
      inner.idmap = mount.idmap;
      auto propagation = PropagationFlags(mount, plan.userns);
      if (!propagation.ok()) return propagation.status();
      inner.propagation = *propagation;
    } else if (mount.type == "tmpfs") {
      inner.type = "tmpfs";
      // Docker's tmpfs defaults (noexec, nosuid, nodev); options may undo them.
      mount::MountFlagsAndData parsed = mount::ParseMountOptions(mount.data, MS_NOEXEC | MS_NOSUID | MS_NODEV);
      inner.flags = parsed.flags | (mount.read_only ? MS_RDONLY : 0);
      inner.data = parsed.data.empty() ? nullptr : keep(parsed.data);
    } else {
      return absl::InvalidArgumentError(absl::StrCat("unsupported mount type ", mount.type));
    }
    plan.inner_mounts.push_back(std::move(inner));
  }
  if (absl::Status status = PrepareProcess(config, &plan.process); !status.ok()) return status;
  // The terminal's master comes back over a socketpair (SCM_RIGHTS).
  UniqueFd console_parent, console_child;
  if (config.terminal) {
    int pair[2];
    if (::socketpair(AF_UNIX, SOCK_STREAM | SOCK_CLOEXEC, 0, pair) != 0) {
      return absl::ErrnoToStatus(errno, "spawn: socketpair");
    }
    console_parent.Reset(pair[0]);
    console_child.Reset(pair[1]);
    plan.process.console_socket = console_child.get();
  }
  // A user-namespaced child: its staging directory (traversable, so that
  // the namespace's root may walk from it; the bundle around it is not)
  // and the socket its mounts come over. Rlimits come from the parent.
  UniqueFd staging, mounts_parent, mounts_child;
  if (plan.userns) {
    plan.received_count = static_cast<int>(plan.attachments.size());
    for (const InnerMount& m : plan.inner_mounts) plan.received_count += m.source != nullptr;
    if (plan.received_count > kMaxReceivedMounts) {
      return absl::InvalidArgumentError(absl::StrCat(
          "too many layers and mounts for a user-namespaced container (", plan.received_count,
          ", at most ", kMaxReceivedMounts, ")"));
    }
    std::string staging_dir = config.rootfs_dir + ".userns";
    std::vector<std::string> dirs = {staging_dir, staging_dir + "/rootfs", staging_dir + "/upper",
                                     staging_dir + "/layers"};
    for (const Attachment& attachment : plan.attachments) {
      if (absl::StartsWith(attachment.target, "layers/")) dirs.push_back(staging_dir + "/" + attachment.target);
    }
    for (const std::string& dir : dirs) {
      if (::mkdir(dir.c_str(), 0711) != 0 && errno != EEXIST) {
        return absl::ErrnoToStatus(errno, "spawn: create " + dir);
      }
      ::chmod(dir.c_str(), 0711);
    }
    staging.Reset(::open(staging_dir.c_str(), O_PATH | O_DIRECTORY | O_CLOEXEC));
    if (!staging.valid()) return absl::ErrnoToStatus(errno, "spawn: open " + staging_dir);
    plan.staging_fd = staging.get();
    int pair[2];
    if (::socketpair(AF_UNIX, SOCK_STREAM | SOCK_CLOEXEC, 0, pair) != 0) {
      return absl::ErrnoToStatus(errno, "spawn: socketpair");
    }
    mounts_parent.Reset(pair[0]);
    mounts_child.Reset(pair[1]);
    plan.mounts_socket = mounts_child.get();
    plan.process.rlimits.clear();
  }

  int dev_null = ::open("/dev/null", O_RDWR | O_CLOEXEC);
  plan.stdio[0] = config.stdin_fd >= 0 ? config.stdin_fd : dev_null;
  plan.stdio[1] = config.stdout_fd >= 0 ? config.stdout_fd : dev_null;
  plan.stdio[2] = config.stderr_fd >= 0 ? config.stderr_fd : dev_null;
  int pipe_fds[2];
  if (::pipe2(pipe_fds, O_CLOEXEC) != 0) {
    ::close(dev_null);
    return absl::ErrnoToStatus(errno, "spawn: pipe");
  }
  plan.error_fd = pipe_fds[1];
  plan.late_mounts = std::move(late);
  if (!config.netns_path.empty()) {
    plan.netns_fd = ::open(config.netns_path.c_str(), O_RDONLY | O_CLOEXEC);
    if (plan.netns_fd < 0) {
      int error = errno;
      ::close(dev_null);
      ::close(pipe_fds[0]);
      ::close(pipe_fds[1]);
      return absl::ErrnoToStatus(error, "open network namespace " + config.netns_path);
    }
  }
  // Joined around the clone (see below).
  UniqueFd ipcns, utsns;
  for (auto [path, joined] : {std::pair{&config.ipcns_path, &ipcns}, std::pair{&config.utsns_path, &utsns}}) {
    if (path->empty()) continue;
    joined->Reset(::open(path->c_str(), O_RDONLY | O_CLOEXEC));
    if (joined->valid()) continue;
    int error = errno;
    ::close(dev_null);
    ::close(pipe_fds[0]);
    ::close(pipe_fds[1]);
    if (plan.netns_fd >= 0) ::close(plan.netns_fd);
    return absl::ErrnoToStatus(error, "open namespace " + *path);
  }
  int start_fds[2] = {-1, -1};
  if (config.before_start || plan.userns) {
    if (::pipe2(start_fds, O_CLOEXEC) != 0) {
      int error = errno;
      ::close(dev_null);
      ::close(pipe_fds[0]);
      ::close(pipe_fds[1]);
      if (plan.netns_fd >= 0) ::close(plan.netns_fd);
      return absl::ErrnoToStatus(error, "spawn: pipe");
    }
    plan.start_fd = start_fds[0];
  }

  std::vector<char> stack(kStackSize);
  int flags = CLONE_NEWNS | SIGCHLD;  // cgroup: ChildMain
  if (config.pidns_path.empty()) flags |= CLONE_NEWPID;
  if (config.ipcns_path.empty()) flags |= CLONE_NEWIPC;
  if (config.utsns_path.empty()) flags |= CLONE_NEWUTS;
  if (plan.new_network) flags |= CLONE_NEWNET;
  if (plan.userns) flags = (flags & ~CLONE_NEWNS) | CLONE_NEWUSER;  // mount ns: see ChildMain
  // A child in a new user namespace cannot join a network namespace the
  // host owns: it is born in it, this thread switching there for the
  // clone (and writing its sysctls, which the child could not). Likewise
  // for every child and a joined IPC or UTS namespace, so that /dev/mqueue
  // is mounted in the joined one.
  pid_t pid = -1;
  int clone_errno = 0;
  absl::Status switched;
  {
    ThreadNamespaceSwitch netns_switch, ipcns_switch, utsns_switch;
    if (plan.userns && plan.netns_fd >= 0) {
      switched = netns_switch.Enter(plan.netns_fd, CLONE_NEWNET);
      int error = switched.ok() && !config.network_of_another
                      ? WriteNetSysctls(plan.ping_group_range.c_str())
                      : 0;
      if (error != 0) switched = absl::ErrnoToStatus(error, "spawn: network sysctls");
      // The container's net.* sysctls too: its child could not write them
      // in a namespace the host's user namespace owns.
      std::vector<Plan::SysctlWrite> net, rest;
      for (const Plan::SysctlWrite& sysctl : plan.sysctls) {
        (absl::StartsWith(sysctl.path, "/proc/sys/net/") ? net : rest).push_back(sysctl);
      }
      const char* failed = "sysctl";
      error = switched.ok() ? WriteSysctls(net, &failed) : 0;
      if (error != 0) switched = absl::ErrnoToStatus(error, absl::StrCat("spawn: ", failed));
      plan.sysctls = std::move(rest);
      ::close(plan.netns_fd);
      plan.netns_fd = -1;
    } else {
      plan.child_writes_net_sysctls = !config.host_network && !config.network_of_another;
      if (plan.userns) {
        // The container's own namespace: only its mapped groups exist.
        uint64_t groups = 0;
        for (const IdMapping& range : config.gid_map) groups += range.size;
        plan.ping_group_range = absl::StrCat("0 ", groups == 0 ? 0 : groups - 1);
      }
    }
    if (switched.ok() && ipcns.valid()) switched = ipcns_switch.Enter(ipcns.get(), CLONE_NEWIPC);
    if (switched.ok() && utsns.valid()) switched = utsns_switch.Enter(utsns.get(), CLONE_NEWUTS);
    // A process cannot change its own PID namespace: the child is born in
    // the joined one (not as its init: the shim still reaps it).
    PidNamespaceSwitch pid_namespace;
    if (switched.ok() && !config.pidns_path.empty()) switched = pid_namespace.Enter(config.pidns_path);
    if (switched.ok()) {
      pid = ::clone(ChildMain, stack.data() + stack.size(), flags, &plan);
      clone_errno = errno;
    }
  }  // this thread is back in the shim's namespaces
  console_child.Reset();
  mounts_child.Reset();
  ::close(pipe_fds[1]);
  ::close(dev_null);
  if (plan.netns_fd >= 0) ::close(plan.netns_fd);
  if (start_fds[0] >= 0) ::close(start_fds[0]);
  if (pid < 0) {
    if (start_fds[1] >= 0) ::close(start_fds[1]);
    ::close(pipe_fds[0]);
    if (!switched.ok()) return switched;
    return absl::ErrnoToStatus(clone_errno, "spawn: clone");
  }
  if (start_fds[1] >= 0) {
    absl::Status prepared =
        plan.userns ? PrepareUserNamespace(config, plan, pid, mounts_parent.get()) : absl::OkStatus();
    if (prepared.ok() && config.before_start) prepared = config.before_start(pid);
    if (prepared.ok() && ::write(start_fds[1], "g", 1) != 1) {
      prepared = absl::ErrnoToStatus(errno, "spawn: release the child");
    }
    ::close(start_fds[1]);
    if (!prepared.ok()) {
      Abandon(pid);
      ::close(pipe_fds[0]);
      return prepared;
    }
  }
  if (config.terminal) {
    // The child sends the master before its execve, or ends (the socket
    // closes) and says why on the error pipe.
    auto console = ReceiveConsole(console_parent.get());
    absl::Status result = ReadChildResult(pipe_fds[0], pid, config.args[0]);
    if (!result.ok()) return result;
    if (!console.ok()) {
      Abandon(pid);
      return console.status();
    }
    if (config.console != nullptr) *config.console = *std::move(console);
    return pid;
  }
  if (absl::Status result = ReadChildResult(pipe_fds[0], pid, config.args[0]); !result.ok()) {
    return result;
  }
  return pid;
}

}  // namespace berth::container
