#ifndef BERTH_SHIM_CONTAINER_PROCESS_SETUP_H_
#define BERTH_SHIM_CONTAINER_PROCESS_SETUP_H_

// The last steps of starting any process of a container, shared by its
// first process (spawn.h) and the ones exec adds (exec.h): the controlling
// terminal, seccomp, capabilities, rlimits, the user, no_new_privs, the
// working directory and execve with a PATH search. Everything is prepared
// before clone/fork (PrepareProcess); the child then only makes system
// calls (FinishProcess), and reports a failed step on an error pipe that
// the parent reads (ReadChildResult).

#include <linux/filter.h>
#include <sys/types.h>

#include <cstdint>
#include <string>
#include <vector>

#include "absl/status/statusor.h"
#include "services/common/base/unique_fd.h"

namespace berth::container {

struct Rlimit {
  int resource = 0;
  uint64_t soft = 0;
  uint64_t hard = 0;
};

// What a process runs as, before it is laid out for the child.
struct ProcessConfig {
  std::vector<std::string> args;
  std::vector<std::string> env;
  std::string cwd = "/";
  // Make cwd (and its parents) when missing, as root before the user is
  // switched: docker does for a container's first process, not for exec.
  bool make_cwd = false;
  uid_t uid = 0;
  gid_t gid = 0;
  std::vector<gid_t> additional_gids;
  std::vector<Rlimit> rlimits;
  // Capabilities the process keeps (see capabilities.h); every other one
  // leaves the bounding set too.
  uint64_t capabilities = 0;
  bool no_new_privileges = false;
  // berth's default seccomp filter unless unconfined (or privileged).
  bool seccomp = false;
  // A profile in Docker's JSON format instead of the default filter.
  std::string seccomp_profile_json;
  // A pseudo-terminal from the container's own devpts as stdio and
  // controlling terminal; its master is handed to the parent.
  bool terminal = false;
  unsigned short rows = 0;
  unsigned short cols = 0;
};

// The process laid out for a child that may not allocate.
struct ProcessPlan {
  std::string cwd;
  bool make_cwd = false;
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
  bool terminal = false;
  unsigned short rows = 0;
  unsigned short cols = 0;
  // The child's end of a socketpair the terminal's master is sent over.
  int console_socket = -1;
};

absl::Status PrepareProcess(const ProcessConfig& config, ProcessPlan* plan);

// Child side. Reports a failed step to the parent and exits, without
// allocating.
[[noreturn]] void FailChild(int error_fd, const char* step, int error);
// The first steps of every container process after the fork: signals
// unblocked (the shim blocks SIGCHLD for its signalfd), umask 022, a
// session of its own, stdio in place (-1: left as is), and every other
// descriptor close-on-exec, so nothing of the shim's reaches it.
void StartChildProcess(int error_fd, const int stdio[3]);
// setrlimit for each of the plan's limits.
void ApplyRlimits(const ProcessPlan& plan, int error_fd);
// From the terminal to execve; returns only through FailChild. Runs in the
// container's mount namespace, as root with every capability.
[[noreturn]] void FinishProcess(const ProcessPlan& plan, int error_fd);

// Parent side: waits for the child's execve (the error pipe closes) or its
// report of a failed step, which becomes the error (the child is reaped
// then). Closes error_fd.
absl::Status ReadChildResult(int error_fd, pid_t pid, const std::string& command);
// The terminal's master the child sent on `socket`; an error when the
// child ended before sending it.
absl::StatusOr<UniqueFd> ReceiveConsole(int socket);

}  // namespace berth::container

#endif  // BERTH_SHIM_CONTAINER_PROCESS_SETUP_H_
