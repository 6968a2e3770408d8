#include "shim/container/process_setup.h"

#include <fcntl.h>
#include <grp.h>
#include <signal.h>
#include <linux/capability.h>
#include <linux/close_range.h>
#include <linux/seccomp.h>
#include <sys/ioctl.h>
#include <sys/prctl.h>
#include <sys/resource.h>
#include <sys/socket.h>
#include <sys/stat.h>
#include <sys/syscall.h>
#include <sys/wait.h>
#include <termios.h>
#include <unistd.h>

#include <cctype>
#include <cerrno>
#include <cstring>

#include "absl/strings/match.h"
#include "absl/strings/str_cat.h"
#include "shim/container/capabilities.h"
#include "shim/container/fd_passing.h"
#include "shim/container/seccomp_profile.h"

namespace berth::container {
namespace {

struct ChildError {
  char step[48];
  int error;
};

// The longest working directory the child makes (PATH_MAX).
constexpr size_t kMaxCwd = 4096;

// mkdir -p of the working directory, in the container's root (the child
// runs after pivot_root, so a symlink on the way resolves inside it), on
// the stack: the child may not allocate.
void MakeWorkingDirectory(const ProcessPlan& plan, int fd) {
  char path[kMaxCwd];
  std::memcpy(path, plan.cwd.c_str(), plan.cwd.size() + 1);
  for (char* slash = std::strchr(path + 1, '/');; slash = std::strchr(slash + 1, '/')) {
    if (slash != nullptr) *slash = '\0';
    // A read-only root refuses (EROFS) what exists already: chdir decides.
    if (::mkdir(path, 0755) != 0 && errno != EEXIST && errno != EROFS) {
      FailChild(fd, "make working directory", errno);
    }
    if (slash == nullptr) break;
    *slash = '/';
  }
}

// A pseudo-terminal of the devpts mounted in the container (its /dev/ptmx
// points into its own /dev/pts instance), so that the slave is a
// /dev/pts/N the container's processes see; the master goes to the parent.
void SetUpConsole(const ProcessPlan& plan, int error_fd) {
  int master = ::open("/dev/ptmx", O_RDWR | O_NOCTTY | O_CLOEXEC);
  if (master < 0) FailChild(error_fd, "open /dev/ptmx", errno);
  int unlock = 0;
  if (::ioctl(master, TIOCSPTLCK, &unlock) != 0) FailChild(error_fd, "unlock pty", errno);
  int slave = ::ioctl(master, TIOCGPTPEER, O_RDWR | O_NOCTTY);
  if (slave < 0) FailChild(error_fd, "open pty slave", errno);
  // The user owns its terminal, as with runc (mesg, write, tty checks).
  if (::fchown(slave, plan.uid, plan.gid) != 0) FailChild(error_fd, "chown pty", errno);
  if (plan.rows > 0 && plan.cols > 0) {
    struct winsize size = {};
    size.ws_row = plan.rows;
    size.ws_col = plan.cols;
    if (::ioctl(slave, TIOCSWINSZ, &size) != 0) FailChild(error_fd, "set window size", errno);
  }
  char control[CMSG_SPACE(sizeof(int))] = {};
  char byte = 'c';
  iovec data = {&byte, 1};
  msghdr message = {};
  message.msg_iov = &data;
  message.msg_iovlen = 1;
  message.msg_control = control;
  message.msg_controllen = sizeof(control);
  cmsghdr* header = CMSG_FIRSTHDR(&message);
  header->cmsg_level = SOL_SOCKET;
  header->cmsg_type = SCM_RIGHTS;
  header->cmsg_len = CMSG_LEN(sizeof(int));
  std::memcpy(CMSG_DATA(header), &master, sizeof(int));
  if (::sendmsg(plan.console_socket, &message, MSG_NOSIGNAL) != 1) {
    FailChild(error_fd, "send pty master", errno);
  }
  ::close(master);
  ::close(plan.console_socket);
  for (int fd = 0; fd < 3; ++fd) {
    if (::dup2(slave, fd) < 0) FailChild(error_fd, "pty stdio", errno);
  }
  if (slave > 2) ::close(slave);
  if (::ioctl(0, TIOCSCTTY, 0) != 0) FailChild(error_fd, "controlling terminal", errno);
}

}  // namespace

void FailChild(int error_fd, const char* step, int error) {
  ChildError record{};
  std::strncpy(record.step, step, sizeof(record.step) - 1);
  record.error = error;
  ssize_t ignored = ::write(error_fd, &record, sizeof(record));
  (void)ignored;
  ::_exit(127);
}

void StartChildProcess(int error_fd, const int stdio[3]) {
  sigset_t no_signals;
  sigemptyset(&no_signals);
  ::sigprocmask(SIG_SETMASK, &no_signals, nullptr);
  ::umask(0022);
  if (::setsid() < 0) FailChild(error_fd, "setsid", errno);
  for (int i = 0; i < 3; ++i) {
    if (stdio[i] >= 0 && ::dup2(stdio[i], i) < 0) FailChild(error_fd, "stdio", errno);
  }
  ::syscall(SYS_close_range, 3, ~0U, CLOSE_RANGE_CLOEXEC);
}

absl::Status PrepareProcess(const ProcessConfig& config, ProcessPlan* plan) {
  if (config.args.empty()) return absl::InvalidArgumentError("spawn: no command");
  plan->cwd = config.cwd.empty() ? "/" : config.cwd;
  plan->make_cwd = config.make_cwd;
  if (plan->make_cwd && plan->cwd.size() >= kMaxCwd) {
    return absl::InvalidArgumentError("working directory: path too long");
  }
  plan->uid = config.uid;
  plan->gid = config.gid;
  plan->additional_gids = config.additional_gids;
  plan->rlimits = config.rlimits;
  plan->capabilities = config.capabilities;
  plan->last_capability = LastCapability();
  plan->no_new_privileges = config.no_new_privileges;
  plan->terminal = config.terminal;
  plan->rows = config.rows;
  plan->cols = config.cols;
  if (config.seccomp || !config.seccomp_profile_json.empty()) {
    auto program = config.seccomp_profile_json.empty()
                       ? CompileDefaultSeccomp(config.capabilities)
                       : CompileSeccompProfile(config.seccomp_profile_json, config.capabilities);
    if (!program.ok()) return program.status();
    plan->seccomp = *std::move(program);
    plan->seccomp_program.len = static_cast<unsigned short>(plan->seccomp.size());
    plan->seccomp_program.filter = plan->seccomp.data();
  }
  plan->args = config.args;
  plan->env = config.env;
  for (std::string& arg : plan->args) plan->argv.push_back(arg.data());
  plan->argv.push_back(nullptr);
  plan->path_env = "/usr/local/sbin:/usr/local/bin:/usr/sbin:/usr/bin:/sbin:/bin";
  for (std::string& entry : plan->env) {
    if (absl::StartsWith(entry, "PATH=")) plan->path_env = entry.substr(5);
    plan->envp.push_back(entry.data());
  }
  plan->envp.push_back(nullptr);
  return absl::OkStatus();
}

void ApplyRlimits(const ProcessPlan& plan, int fd) {
  for (const Rlimit& limit : plan.rlimits) {
    struct rlimit value = {limit.soft, limit.hard};
    if (::setrlimit(limit.resource, &value) != 0) FailChild(fd, "setrlimit", errno);
  }
}

void FinishProcess(const ProcessPlan& plan, int fd) {
  if (plan.make_cwd) MakeWorkingDirectory(plan, fd);
  if (plan.terminal) SetUpConsole(plan, fd);
  // The filter goes on while still root with every capability (loading it
  // without no_new_privs needs CAP_SYS_ADMIN); it allows what follows.
  if (!plan.seccomp.empty() &&
      ::prctl(PR_SET_SECCOMP, SECCOMP_MODE_FILTER, &plan.seccomp_program, 0, 0) != 0) {
    FailChild(fd, "load seccomp filter", errno);
  }
  // Capabilities: leave the bounding set first (needs CAP_SETPCAP, so while
  // still root), keep them across the uid change, then set them.
  for (int cap = 0; cap <= plan.last_capability; ++cap) {
    if ((plan.capabilities >> cap & 1) == 0 && ::prctl(PR_CAPBSET_DROP, cap, 0, 0, 0) != 0 &&
        errno != EINVAL) {
      FailChild(fd, "drop capability", errno);
    }
  }
  if (::prctl(PR_SET_KEEPCAPS, 1, 0, 0, 0) != 0) FailChild(fd, "keep capabilities", errno);
  ApplyRlimits(plan, fd);
  if (::setgroups(plan.additional_gids.size(), plan.additional_gids.data()) != 0) {
    FailChild(fd, "setgroups", errno);
  }
  if (::setgid(plan.gid) != 0) FailChild(fd, "setgid", errno);
  if (::setuid(plan.uid) != 0) FailChild(fd, "setuid", errno);
  __user_cap_header_struct header{_LINUX_CAPABILITY_VERSION_3, 0};
  __user_cap_data_struct data[2] = {};
  for (int i = 0; i < 2; ++i) {
    uint32_t word = static_cast<uint32_t>(plan.capabilities >> (32 * i));
    // A non-root user keeps none effective after exec, as with docker.
    data[i].effective = plan.uid == 0 ? word : 0;
    data[i].permitted = word;
    data[i].inheritable = word;
  }
  if (::syscall(SYS_capset, &header, data) != 0) FailChild(fd, "set capabilities", errno);
  if (plan.no_new_privileges && ::prctl(PR_SET_NO_NEW_PRIVS, 1, 0, 0, 0) != 0) {
    FailChild(fd, "no_new_privs", errno);
  }
  if (::chdir(plan.cwd.c_str()) != 0) FailChild(fd, "chdir working directory", errno);

  const char* file = plan.argv[0];
  if (std::strchr(file, '/') != nullptr) {
    ::execve(file, plan.argv.data(), plan.envp.data());
    FailChild(fd, "exec", errno);
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
  FailChild(fd, "exec", last_error);
}

absl::Status ReadChildResult(int error_fd, pid_t pid, const std::string& command) {
  ChildError record{};
  ssize_t n;
  do {
    n = ::read(error_fd, &record, sizeof(record));
  } while (n < 0 && errno == EINTR);
  ::close(error_fd);
  if (n == 0) return absl::OkStatus();  // The pipe closed on execve: the command runs.
  ::waitpid(pid, nullptr, 0);
  if (n != static_cast<ssize_t>(sizeof(record))) {
    return absl::InternalError("container setup: the child ended without a report");
  }
  if (std::strcmp(record.step, "exec") == 0) {
    if (record.error == ENOENT) {
      return absl::NotFoundError(
          absl::StrCat("exec: \"", command, "\": executable file not found in $PATH"));
    }
    // Lower case as the Go runtimes print errno text, which tools match.
    std::string reason = std::strerror(record.error);
    if (!reason.empty()) reason[0] = static_cast<char>(std::tolower(reason[0]));
    return absl::PermissionDeniedError(absl::StrCat("exec: \"", command, "\": ", reason));
  }
  return absl::InternalError(
      absl::StrCat("container setup: ", record.step, ": ", std::strerror(record.error)));
}

absl::StatusOr<UniqueFd> ReceiveConsole(int socket) {
  int fd = -1;
  if (!ReceiveFds(socket, &fd, 1)) {
    return absl::InternalError("container setup: no terminal from the child");
  }
  return UniqueFd(fd);
}

}  // namespace berth::container
