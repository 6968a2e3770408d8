#include "shim/cgroup/systemd_scope.h"

#include <fcntl.h>
#include <spawn.h>
#include <sys/wait.h>
#include <unistd.h>

#include <cerrno>

#include "absl/strings/str_cat.h"
#include "absl/strings/strip.h"

extern char** environ;

namespace berth::cgroup {

absl::Status SystemdScope::Start(pid_t pid, const std::vector<std::string>& properties) {
  std::vector<std::string> args = {"start", unit_, slice_, std::to_string(pid)};
  args.insert(args.end(), properties.begin(), properties.end());
  return Run(std::move(args));
}

absl::Status SystemdScope::SetProperties(const std::vector<std::string>& properties) {
  std::vector<std::string> args = {"set", unit_};
  args.insert(args.end(), properties.begin(), properties.end());
  return Run(std::move(args));
}

absl::Status SystemdScope::Stop() { return Run({"stop", unit_}); }

absl::Status SystemdScope::Run(std::vector<std::string> args) const {
  args.insert(args.begin(), helper_);
  std::vector<char*> argv;
  for (std::string& arg : args) argv.push_back(arg.data());
  argv.push_back(nullptr);
  int pipe_fds[2];
  if (::pipe2(pipe_fds, O_CLOEXEC) != 0) return absl::ErrnoToStatus(errno, "pipe");
  posix_spawn_file_actions_t actions;
  posix_spawn_file_actions_init(&actions);
  // The helper's stderr is the error's text; its stdout goes there too.
  posix_spawn_file_actions_adddup2(&actions, pipe_fds[1], STDERR_FILENO);
  posix_spawn_file_actions_adddup2(&actions, pipe_fds[1], STDOUT_FILENO);
  pid_t pid = 0;
  int error = ::posix_spawn(&pid, helper_.c_str(), &actions, nullptr, argv.data(), environ);
  posix_spawn_file_actions_destroy(&actions);
  ::close(pipe_fds[1]);
  if (error != 0) {
    ::close(pipe_fds[0]);
    return absl::ErrnoToStatus(error, "systemd cgroup driver: run " + helper_);
  }
  std::string output;
  char buffer[512];
  for (ssize_t n; (n = ::read(pipe_fds[0], buffer, sizeof(buffer))) != 0;) {
    if (n < 0 && errno == EINTR) continue;
    if (n < 0) break;
    output.append(buffer, static_cast<size_t>(n));
  }
  ::close(pipe_fds[0]);
  int status = 0;
  while (::waitpid(pid, &status, 0) < 0 && errno == EINTR) {
  }
  if (WIFEXITED(status) && WEXITSTATUS(status) == 0) return absl::OkStatus();
  std::string message(absl::StripAsciiWhitespace(output));
  if (message.empty()) message = absl::StrCat(helper_, " ", args[1], " failed (status ", status, ")");
  return absl::UnavailableError(absl::StrCat("systemd cgroup driver: ", message));
}

}  // namespace berth::cgroup
