#include "shim/container/exec.h"

#include <fcntl.h>
#include <linux/close_range.h>
#include <sched.h>
#include <signal.h>
#include <sys/socket.h>
#include <sys/stat.h>
#include <sys/syscall.h>
#include <sys/wait.h>
#include <unistd.h>

#include <cerrno>
#include <string>
#include <vector>

#include "absl/strings/str_cat.h"
#include "shim/container/namespace_switch.h"

namespace berth::container {
namespace {

struct Namespace {
  const char* name;
  int type;
};

// The shim is the host's root: it may join every namespace of the
// container, the user namespace last (once in it, namespaces the host owns,
// such as a network namespace from the network service, are out of reach).
// The mount namespace before it, pid's is set for the fork.
constexpr Namespace kNamespaces[] = {{"ipc", CLONE_NEWIPC},       {"uts", CLONE_NEWUTS},
                                     {"net", CLONE_NEWNET},       {"cgroup", CLONE_NEWCGROUP},
                                     {"mnt", CLONE_NEWNS},        {"user", CLONE_NEWUSER}};

struct JoinedNamespace {
  UniqueFd fd;
  int type = 0;
  const char* step = "";
};

ino_t Inode(const std::string& path) {
  struct stat st;
  return ::stat(path.c_str(), &st) == 0 ? st.st_ino : 0;
}

}  // namespace

absl::StatusOr<pid_t> SpawnExec(const ExecConfig& config) {
  ProcessPlan plan;
  if (absl::Status status = PrepareProcess(config, &plan); !status.ok()) return status;
  std::vector<JoinedNamespace> namespaces;
  for (const Namespace& ns : kNamespaces) {
    std::string theirs = absl::StrCat("/proc/", config.target, "/ns/", ns.name);
    ino_t inode = Inode(theirs);
    if (inode == 0) {
      return absl::FailedPreconditionError(
          absl::StrCat("exec: the container's process ", config.target, " is gone"));
    }
    // Joining our own user namespace is an error (EINVAL); the others
    // would change nothing.
    if (inode == Inode(absl::StrCat("/proc/self/ns/", ns.name))) continue;
    JoinedNamespace joined;
    joined.fd.Reset(::open(theirs.c_str(), O_RDONLY | O_CLOEXEC));
    if (!joined.fd.valid()) return absl::ErrnoToStatus(errno, "exec: open " + theirs);
    joined.type = ns.type;
    joined.step = ns.type == CLONE_NEWNS ? "join mount namespace" : "join namespace";
    namespaces.push_back(std::move(joined));
  }
  UniqueFd dev_null(::open("/dev/null", O_RDWR | O_CLOEXEC));
  int stdio[3] = {config.stdin_fd >= 0 ? config.stdin_fd : dev_null.get(),
                  config.stdout_fd >= 0 ? config.stdout_fd : dev_null.get(),
                  config.stderr_fd >= 0 ? config.stderr_fd : dev_null.get()};
  int fds[2];
  if (::pipe2(fds, O_CLOEXEC) != 0) return absl::ErrnoToStatus(errno, "exec: pipe");
  UniqueFd error_read(fds[0]), error_write(fds[1]);
  if (::pipe2(fds, O_CLOEXEC) != 0) return absl::ErrnoToStatus(errno, "exec: pipe");
  UniqueFd start_read(fds[0]), start_write(fds[1]);
  UniqueFd console_parent, console_child;
  if (config.terminal) {
    if (::socketpair(AF_UNIX, SOCK_STREAM | SOCK_CLOEXEC, 0, fds) != 0) {
      return absl::ErrnoToStatus(errno, "exec: socketpair");
    }
    console_parent.Reset(fds[0]);
    console_child.Reset(fds[1]);
    plan.console_socket = console_child.get();
  }

  pid_t pid;
  {
    PidNamespaceSwitch pid_namespace;
    if (absl::Status status = pid_namespace.Enter(absl::StrCat("/proc/", config.target, "/ns/pid"));
        !status.ok()) {
      return absl::Status(status.code(), absl::StrCat("exec: ", status.message()));
    }
    pid = ::fork();
  }
  if (pid < 0) return absl::ErrnoToStatus(errno, "exec: fork");
  if (pid == 0) {
    int fd = error_write.get();
    char go;
    ssize_t n;
    do {
      n = ::read(start_read.get(), &go, 1);
    } while (n < 0 && errno == EINTR);
    if (n != 1) ::_exit(127);  // the parent gave up on us
    StartChildProcess(fd, stdio);
    // Limits while still the host's root (raising a hard limit needs it);
    // this is the fork's own copy of the plan.
    ApplyRlimits(plan, fd);
    plan.rlimits.clear();
    for (const JoinedNamespace& ns : namespaces) {
      if (::setns(ns.fd.get(), ns.type) != 0) FailChild(fd, ns.step, errno);
    }
    FinishProcess(plan, fd);
  }
  error_write.Reset();
  start_read.Reset();
  console_child.Reset();
  absl::Status prepared = config.before_start ? config.before_start(pid) : absl::OkStatus();
  if (prepared.ok() && ::write(start_write.get(), "g", 1) != 1) {
    prepared = absl::ErrnoToStatus(errno, "exec: release the child");
  }
  start_write.Reset();
  if (!prepared.ok()) {
    ::kill(pid, SIGKILL);
    ::waitpid(pid, nullptr, 0);
    return prepared;
  }
  absl::StatusOr<UniqueFd> console = UniqueFd();
  if (config.terminal) console = ReceiveConsole(console_parent.get());
  if (absl::Status result = ReadChildResult(error_read.Release(), pid, config.args[0]);
      !result.ok()) {
    return result;
  }
  if (!console.ok()) {
    ::kill(pid, SIGKILL);
    ::waitpid(pid, nullptr, 0);
    return console.status();
  }
  if (config.terminal && config.console != nullptr) *config.console = *std::move(console);
  return pid;
}

}  // namespace berth::container
