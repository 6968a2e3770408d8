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
#include <sys/syscall.h>
#include <sys/sysmacros.h>
#include <sys/wait.h>
#include <unistd.h>

#include <cerrno>
#include <climits>
#include <cstring>
#include <deque>

#include "absl/strings/match.h"
#include "absl/strings/str_cat.h"
#include "absl/strings/str_join.h"
#include "absl/strings/str_replace.h"
#include "absl/strings/str_split.h"
#include "services/common/mount/mount_options.h"
#include "shim/container/capabilities.h"
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
  // Only when the target exists, and as a tmpfs for directories or a bind
  // of /dev/null for files (masked paths).
  bool mask = false;
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
  int fd = -1;  // the detached clone, set in the child
};

struct DeviceNode {
  const char* path;
  unsigned int major;
  unsigned int minor;
};

// Everything the child reads, laid out before clone().
struct Plan {
  std::deque<std::string> strings;  // owns every C string below (stable addresses)
  std::vector<MountOp> mounts;        // before pivot_root, paths on the host side
  std::vector<MountOp> late_mounts;   // masked and read-only paths, after /dev
  std::vector<InnerMount> inner_mounts;  // after pivot_root
  std::deque<std::string> device_paths;
  std::vector<DeviceNode> devices;
  std::vector<std::pair<std::string, std::string>> symlinks;  // target, link (host side)
  std::string rootfs;
  std::string dev_null;               // host side path of the container's /dev/null
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
};

void RunMounts(const std::vector<MountOp>& ops, const Plan& plan) {
  int fd = plan.error_fd;
  for (const MountOp& op : ops) {
    if (op.make_dir) ::mkdir(op.target, 0755);
    if (op.mask) {
      struct stat st;
      if (::lstat(op.target, &st) != 0) continue;
      int rc = S_ISDIR(st.st_mode)
                   ? ::mount("tmpfs", op.target, "tmpfs", MS_RDONLY, "size=0")
                   : ::mount(plan.dev_null.c_str(), op.target, nullptr, MS_BIND, nullptr);
      if (rc != 0) FailChild(fd, op.step, errno);
      continue;
    }
    if (op.chdir_to != nullptr && ::chdir(op.chdir_to) != 0) FailChild(fd, op.step, errno);
    if (::mount(op.source, op.target, op.type, op.flags, op.data) != 0) {
      // A read-only path this image lacks is simply not there to protect.
      if (errno == ENOENT && std::strcmp(op.step, "read-only path") == 0) continue;
      FailChild(fd, op.step, errno);
    }
    if (op.chdir_to != nullptr && ::chdir("/") != 0) FailChild(fd, op.step, errno);
  }
}

// Opens the sources of binds while the host's paths are still reachable.
void OpenInnerSources(Plan& plan) {
  for (InnerMount& m : plan.inner_mounts) {
    if (m.source == nullptr) continue;
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
    if (m.fd >= 0) ::close(m.fd);
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
  if (plan.netns_fd >= 0 && ::setns(plan.netns_fd, CLONE_NEWNET) != 0) {
    FailChild(fd, "join the network namespace", errno);
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
  if (::mount(nullptr, "/", nullptr, MS_REC | MS_PRIVATE, nullptr) != 0) {
    FailChild(fd, "make / private", errno);
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
  if (::chdir(plan.rootfs.c_str()) != 0) FailChild(fd, "chdir rootfs", errno);
  if (::syscall(SYS_pivot_root, ".", ".") != 0) FailChild(fd, "pivot_root", errno);
  if (::umount2(".", MNT_DETACH) != 0) FailChild(fd, "detach old root", errno);
  if (::chdir("/") != 0) FailChild(fd, "chdir /", errno);
  RunInnerMounts(plan);
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
      plan->mounts.push_back(op);
      if (read_only) {
        MountOp remount = op;
        remount.source = nullptr;
        remount.flags = MS_BIND | MS_REMOUNT | MS_RDONLY | MS_REC;
        plan->mounts.push_back(remount);
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
    plan->mounts.push_back(op);
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

absl::StatusOr<pid_t> Spawn(const SpawnConfig& config) {
  Plan plan;
  auto keep = [&plan](std::string s) -> const char* {
    plan.strings.push_back(std::move(s));
    return plan.strings.back().c_str();
  };
  plan.rootfs = config.rootfs_dir;
  AddRootfsMounts(config, &plan);
  const std::string& r = config.rootfs_dir;
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
  add("mqueue", "/dev/mqueue", "mqueue", MS_NOSUID | MS_NOEXEC | MS_NODEV, nullptr,
      "mount /dev/mqueue");
  if (config.host_network) {
    // sysfs belongs to a network namespace: with the host's, show the
    // host's, read-only.
    add(keep("/sys"), "/sys", nullptr, MS_BIND | MS_REC, nullptr, "bind /sys");
    add(nullptr, "/sys", nullptr, MS_BIND | MS_REMOUNT | MS_RDONLY | MS_REC, nullptr, "bind /sys");
  } else {
    add("sysfs", "/sys", "sysfs", MS_RDONLY | MS_NOSUID | MS_NODEV | MS_NOEXEC, nullptr,
        "mount /sys");
  }
  static const DeviceNode kDevices[] = {{"/dev/null", 1, 3},   {"/dev/zero", 1, 5},
                                        {"/dev/full", 1, 7},   {"/dev/random", 1, 8},
                                        {"/dev/urandom", 1, 9}, {"/dev/tty", 5, 0}};
  for (const DeviceNode& device : kDevices) {
    plan.device_paths.push_back(r + device.path);
    plan.devices.push_back({plan.device_paths.back().c_str(), device.major, device.minor});
  }
  plan.dev_null = r + "/dev/null";
  plan.symlinks = {{"pts/ptmx", r + "/dev/ptmx"},
                   {"/proc/self/fd", r + "/dev/fd"},
                   {"/proc/self/fd/0", r + "/dev/stdin"},
                   {"/proc/self/fd/1", r + "/dev/stdout"},
                   {"/proc/self/fd/2", r + "/dev/stderr"}};
  // Masked and read-only paths need /proc and /sys mounted, and /dev/null.
  std::vector<MountOp> late;
  for (const std::string& path : config.masked_paths) {
    MountOp op;
    op.target = keep(r + path);
    op.mask = true;
    op.step = "mask path";
    late.push_back(op);
  }
  for (const std::string& path : config.readonly_paths) {
    MountOp bind;
    bind.source = keep(r + path);
    bind.target = bind.source;
    bind.flags = MS_BIND | MS_REC;
    bind.step = "read-only path";
    late.push_back(bind);
    MountOp remount = bind;
    remount.source = nullptr;
    remount.flags = MS_BIND | MS_REMOUNT | MS_RDONLY | MS_REC;
    late.push_back(remount);
  }

  plan.read_only_root = config.read_only_root;
  plan.new_network = !config.host_network && config.netns_path.empty();
  plan.hostname = config.hostname;
  for (const ContainerMount& mount : config.mounts) {
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
  int start_fds[2] = {-1, -1};
  if (config.before_start) {
    if (::pipe2(start_fds, O_CLOEXEC) != 0) {
      int error = errno;
      ::close(dev_null);
      ::close(pipe_fds[0]);
      ::close(pipe_fds[1]);
      return absl::ErrnoToStatus(error, "spawn: pipe");
    }
    plan.start_fd = start_fds[0];
  }

  std::vector<char> stack(kStackSize);
  int flags = CLONE_NEWPID | CLONE_NEWNS | CLONE_NEWUTS | CLONE_NEWIPC | CLONE_NEWCGROUP | SIGCHLD;
  if (plan.new_network) flags |= CLONE_NEWNET;
  pid_t pid = ::clone(ChildMain, stack.data() + stack.size(), flags, &plan);
  int clone_errno = errno;
  console_child.Reset();
  ::close(pipe_fds[1]);
  ::close(dev_null);
  if (plan.netns_fd >= 0) ::close(plan.netns_fd);
  if (start_fds[0] >= 0) ::close(start_fds[0]);
  if (pid < 0) {
    if (start_fds[1] >= 0) ::close(start_fds[1]);
    ::close(pipe_fds[0]);
    return absl::ErrnoToStatus(clone_errno, "spawn: clone");
  }
  if (config.before_start) {
    absl::Status prepared = config.before_start(pid);
    if (prepared.ok() && ::write(start_fds[1], "g", 1) != 1) {
      prepared = absl::ErrnoToStatus(errno, "spawn: release the child");
    }
    ::close(start_fds[1]);
    if (!prepared.ok()) {
      ::kill(pid, SIGKILL);
      ::waitpid(pid, nullptr, 0);
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
      ::kill(pid, SIGKILL);
      ::waitpid(pid, nullptr, 0);
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
