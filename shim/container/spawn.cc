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
  std::string cwd;
  uid_t uid = 0;
  gid_t gid = 0;
  std::vector<gid_t> additional_gids;
  std::vector<Rlimit> rlimits;
  uint64_t capabilities = 0;
  int last_capability = 0;
  bool no_new_privileges = false;
  std::vector<sock_filter> seccomp;
  sock_fprog seccomp_program{};
  std::vector<std::string> args, env;
  std::vector<char*> argv, envp;
  std::string path_env;
  int stdio[3] = {-1, -1, -1};
  int error_fd = -1;
  // The child waits for a byte (or EOF) here before anything else.
  int start_fd = -1;
  // A network namespace to join, opened by the parent.
  int netns_fd = -1;
};

struct ChildError {
  char step[48];
  int error;
};

// Reports a failed step to the parent and exits, without allocating.
[[noreturn]] void Fail(int fd, const char* step, int error) {
  ChildError record{};
  std::strncpy(record.step, step, sizeof(record.step) - 1);
  record.error = error;
  ssize_t ignored = ::write(fd, &record, sizeof(record));
  (void)ignored;
  ::_exit(127);
}

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
      if (rc != 0) Fail(fd, op.step, errno);
      continue;
    }
    if (op.chdir_to != nullptr && ::chdir(op.chdir_to) != 0) Fail(fd, op.step, errno);
    if (::mount(op.source, op.target, op.type, op.flags, op.data) != 0) {
      // A read-only path this image lacks is simply not there to protect.
      if (errno == ENOENT && std::strcmp(op.step, "read-only path") == 0) continue;
      Fail(fd, op.step, errno);
    }
    if (op.chdir_to != nullptr && ::chdir("/") != 0) Fail(fd, op.step, errno);
  }
}

// Opens the sources of binds while the host's paths are still reachable.
void OpenInnerSources(Plan& plan) {
  for (InnerMount& m : plan.inner_mounts) {
    if (m.source == nullptr) continue;
    m.fd = ::open_tree(AT_FDCWD, m.source, OPEN_TREE_CLONE | OPEN_TREE_CLOEXEC | AT_RECURSIVE);
    if (m.fd < 0) Fail(plan.error_fd, "clone mount source", errno);
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
  if (std::strlen(target) >= sizeof(path)) Fail(fd, "create mount point", ENAMETOOLONG);
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
      if (errno != ENOENT) Fail(fd, "create mount point", errno);
      if (::mkdir(path, 0755) != 0 && errno != EEXIST) Fail(fd, "create mount point", errno);
    } else if (S_ISLNK(st.st_mode)) {
      if (++hops > 40) Fail(fd, "create mount point", ELOOP);
      ssize_t n = ::readlink(path, link, sizeof(link) - 1);
      if (n < 0) Fail(fd, "create mount point", errno);
      link[n] = '\0';
      // The link's text replaces the component; the rest follows it.
      size_t keep = link[0] == '/' ? 0 : pos;
      const char* rest = saved == '\0' ? "" : path + end + 1;
      if (keep + static_cast<size_t>(n) + 1 + std::strlen(rest) >= sizeof(next)) {
        Fail(fd, "create mount point", ENAMETOOLONG);
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
      Fail(fd, "create mount point", ENOTDIR);
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
      Fail(fd, "create mount point", errno);
    }
    if (m.source != nullptr) {
      if (::move_mount(m.fd, "", AT_FDCWD, m.target, MOVE_MOUNT_F_EMPTY_PATH | MOVE_MOUNT_T_SYMLINKS) != 0) {
        Fail(fd, "attach bind mount", errno);
      }
    } else if (::mount(m.type, m.target, m.type, m.flags, m.data) != 0) {
      Fail(fd, "mount tmpfs", errno);
    }
    if (m.read_only && m.source != nullptr &&
        ::mount(nullptr, m.target, nullptr, MS_REMOUNT | MS_BIND | MS_RDONLY | MS_REC, nullptr) !=
            0) {
      Fail(fd, "read-only mount", errno);
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
  // The shim blocks SIGCHLD for its signalfd; the container starts clean.
  sigset_t no_signals;
  sigemptyset(&no_signals);
  ::sigprocmask(SIG_SETMASK, &no_signals, nullptr);
  ::umask(0022);
  if (::setsid() < 0) Fail(fd, "setsid", errno);
  for (int i = 0; i < 3; ++i) {
    if (plan.stdio[i] >= 0 && ::dup2(plan.stdio[i], i) < 0) Fail(fd, "stdio", errno);
  }
  // Nothing else of the parent's reaches the container's process.
  ::syscall(SYS_close_range, 3, ~0U, CLOSE_RANGE_CLOEXEC);
  if (plan.netns_fd >= 0 && ::setns(plan.netns_fd, CLONE_NEWNET) != 0) {
    Fail(fd, "join the network namespace", errno);
  }
  // A new network namespace starts with lo down; docker's "none" has it up.
  if (plan.new_network) {
    int sock = ::socket(AF_INET, SOCK_DGRAM | SOCK_CLOEXEC, 0);
    ifreq request{};
    std::memcpy(request.ifr_name, "lo", 3);
    if (sock < 0 || ::ioctl(sock, SIOCGIFFLAGS, &request) != 0) Fail(fd, "loopback up", errno);
    request.ifr_flags = static_cast<short>(request.ifr_flags | IFF_UP);
    if (::ioctl(sock, SIOCSIFFLAGS, &request) != 0) Fail(fd, "loopback up", errno);
    ::close(sock);
  }
  if (::mount(nullptr, "/", nullptr, MS_REC | MS_PRIVATE, nullptr) != 0) {
    Fail(fd, "make / private", errno);
  }
  RunMounts(plan.mounts, plan);
  for (const DeviceNode& device : plan.devices) {
    if (::mknod(device.path, S_IFCHR | 0666, makedev(device.major, device.minor)) != 0) {
      Fail(fd, "create device node", errno);
    }
    ::chmod(device.path, 0666);
  }
  for (const auto& [target, link] : plan.symlinks) {
    if (::symlink(target.c_str(), link.c_str()) != 0 && errno != EEXIST) Fail(fd, "symlink", errno);
  }
  RunMounts(plan.late_mounts, plan);
  OpenInnerSources(plan);
  // pivot_root(".", ".") stacks the old root under the new one, then it is
  // detached: nothing of the host stays reachable.
  if (::chdir(plan.rootfs.c_str()) != 0) Fail(fd, "chdir rootfs", errno);
  if (::syscall(SYS_pivot_root, ".", ".") != 0) Fail(fd, "pivot_root", errno);
  if (::umount2(".", MNT_DETACH) != 0) Fail(fd, "detach old root", errno);
  if (::chdir("/") != 0) Fail(fd, "chdir /", errno);
  RunInnerMounts(plan);
  if (plan.read_only_root &&
      ::mount(nullptr, "/", nullptr, MS_REMOUNT | MS_BIND | MS_RDONLY, nullptr) != 0) {
    Fail(fd, "read-only root", errno);
  }
  if (!plan.hostname.empty() && ::sethostname(plan.hostname.data(), plan.hostname.size()) != 0) {
    Fail(fd, "sethostname", errno);
  }
  // The filter goes on while still root with every capability (loading it
  // without no_new_privs needs CAP_SYS_ADMIN); it allows what follows.
  if (!plan.seccomp.empty() &&
      ::prctl(PR_SET_SECCOMP, SECCOMP_MODE_FILTER, &plan.seccomp_program, 0, 0) != 0) {
    Fail(fd, "load seccomp filter", errno);
  }
  // Capabilities: leave the bounding set first (needs CAP_SETPCAP, so while
  // still root), keep them across the uid change, then set them.
  for (int cap = 0; cap <= plan.last_capability; ++cap) {
    if ((plan.capabilities >> cap & 1) == 0 && ::prctl(PR_CAPBSET_DROP, cap, 0, 0, 0) != 0 &&
        errno != EINVAL) {
      Fail(fd, "drop capability", errno);
    }
  }
  if (::prctl(PR_SET_KEEPCAPS, 1, 0, 0, 0) != 0) Fail(fd, "keep capabilities", errno);
  for (const Rlimit& limit : plan.rlimits) {
    struct rlimit value = {limit.soft, limit.hard};
    if (::setrlimit(limit.resource, &value) != 0) Fail(fd, "setrlimit", errno);
  }
  if (::setgroups(plan.additional_gids.size(), plan.additional_gids.data()) != 0) {
    Fail(fd, "setgroups", errno);
  }
  if (::setgid(plan.gid) != 0) Fail(fd, "setgid", errno);
  if (::setuid(plan.uid) != 0) Fail(fd, "setuid", errno);
  __user_cap_header_struct header{_LINUX_CAPABILITY_VERSION_3, 0};
  __user_cap_data_struct data[2] = {};
  for (int i = 0; i < 2; ++i) {
    uint32_t word = static_cast<uint32_t>(plan.capabilities >> (32 * i));
    // A non-root user keeps none effective after exec, as with docker.
    data[i].effective = plan.uid == 0 ? word : 0;
    data[i].permitted = word;
    data[i].inheritable = word;
  }
  if (::syscall(SYS_capset, &header, data) != 0) Fail(fd, "set capabilities", errno);
  if (plan.no_new_privileges && ::prctl(PR_SET_NO_NEW_PRIVS, 1, 0, 0, 0) != 0) {
    Fail(fd, "no_new_privs", errno);
  }
  if (::chdir(plan.cwd.c_str()) != 0) Fail(fd, "chdir working directory", errno);

  const char* file = plan.argv[0];
  if (std::strchr(file, '/') != nullptr) {
    ::execve(file, plan.argv.data(), plan.envp.data());
    Fail(fd, "exec", errno);
  }
  // Search PATH with a buffer on the stack.
  char candidate[4096];
  const char* path = plan.path_env.c_str();
  int last_error = ENOENT;
  while (*path != '\0') {
    const char* end = std::strchr(path, ':');
    size_t length = end ? static_cast<size_t>(end - path) : std::strlen(path);
    size_t file_length = std::strlen(file);
    if (length + file_length + 2 < sizeof(candidate)) {
      std::memcpy(candidate, path, length);
      candidate[length] = '/';
      std::memcpy(candidate + length + 1, file, file_length + 1);
      ::execve(candidate, plan.argv.data(), plan.envp.data());
      if (errno != ENOENT && errno != ENOTDIR) last_error = errno;
    }
    path = end ? end + 1 : path + length;
  }
  Fail(fd, "exec", last_error);
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
  if (config.args.empty()) return absl::InvalidArgumentError("spawn: no command");
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
  plan.cwd = config.cwd.empty() ? "/" : config.cwd;
  plan.uid = config.uid;
  plan.gid = config.gid;
  plan.additional_gids = config.additional_gids;
  plan.rlimits = config.rlimits;
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
  plan.capabilities = config.capabilities;
  plan.last_capability = LastCapability();
  plan.no_new_privileges = config.no_new_privileges;
  if (config.seccomp || !config.seccomp_profile_json.empty()) {
    auto program = config.seccomp_profile_json.empty()
                       ? CompileDefaultSeccomp(config.capabilities)
                       : CompileSeccompProfile(config.seccomp_profile_json, config.capabilities);
    if (!program.ok()) return program.status();
    plan.seccomp = *std::move(program);
    plan.seccomp_program.len = static_cast<unsigned short>(plan.seccomp.size());
    plan.seccomp_program.filter = plan.seccomp.data();
  }
  plan.args = config.args;
  plan.env = config.env;
  for (std::string& arg : plan.args) plan.argv.push_back(arg.data());
  plan.argv.push_back(nullptr);
  plan.path_env = "/usr/local/sbin:/usr/local/bin:/usr/sbin:/usr/bin:/sbin:/bin";
  for (std::string& entry : plan.env) {
    if (absl::StartsWith(entry, "PATH=")) plan.path_env = entry.substr(5);
    plan.envp.push_back(entry.data());
  }
  plan.envp.push_back(nullptr);

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
  ChildError record{};
  ssize_t n;
  do {
    n = ::read(pipe_fds[0], &record, sizeof(record));
  } while (n < 0 && errno == EINTR);
  ::close(pipe_fds[0]);
  if (n == 0) return pid;  // The pipe closed on execve: the command runs.
  ::waitpid(pid, nullptr, 0);
  if (std::strcmp(record.step, "exec") == 0) {
    if (record.error == ENOENT) {
      return absl::NotFoundError(absl::StrCat("exec: \"", config.args[0],
                                              "\": executable file not found in $PATH"));
    }
    // Lower case as the Go runtimes print errno text, which tools match.
    std::string reason = std::strerror(record.error);
    if (!reason.empty()) reason[0] = static_cast<char>(std::tolower(reason[0]));
    return absl::PermissionDeniedError(absl::StrCat("exec: \"", config.args[0], "\": ", reason));
  }
  return absl::InternalError(
      absl::StrCat("container setup: ", record.step, ": ", std::strerror(record.error)));
}

}  // namespace berth::container
