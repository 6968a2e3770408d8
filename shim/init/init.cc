// berth-init: the small init `berth run --init` puts at PID 1. It starts
// the command, passes on the signals a container receives, reaps every
// orphan the command leaves behind (a plain command as PID 1 would leave
// zombies), and exits with the command's status. Statically linked so that
// it runs in any image.
//
//   berth-init [--] COMMAND [ARG...]

#include <errno.h>
#include <signal.h>
#include <stdio.h>
#include <string.h>
#include <sys/prctl.h>
#include <sys/wait.h>
#include <unistd.h>

namespace {

// Signals passed on to the command; the rest keep their default.
constexpr int kForwarded[] = {SIGHUP, SIGINT,  SIGQUIT, SIGTERM, SIGUSR1,
                              SIGUSR2, SIGWINCH, SIGCONT, SIGALRM, SIGPIPE};

int ExitCode(int status) {
  if (WIFEXITED(status)) return WEXITSTATUS(status);
  if (WIFSIGNALED(status)) return 128 + WTERMSIG(status);
  return 1;
}

}  // namespace

int main(int argc, char** argv) {
  int first = 1;
  if (first < argc && strcmp(argv[first], "--") == 0) ++first;
  if (first >= argc) {
    fprintf(stderr, "usage: berth-init [--] COMMAND [ARG...]\n");
    return 2;
  }
  // When not PID 1 (tests, nested use), still adopt orphans.
  prctl(PR_SET_CHILD_SUBREAPER, 1);

  sigset_t all, previous;
  sigfillset(&all);
  sigprocmask(SIG_BLOCK, &all, &previous);
  pid_t child = fork();
  if (child < 0) {
    perror("berth-init: fork");
    return 1;
  }
  if (child == 0) {
    sigprocmask(SIG_SETMASK, &previous, nullptr);
    // Its own process group in the foreground, so a TTY's Ctrl-C reaches it.
    setpgid(0, 0);
    tcsetpgrp(STDIN_FILENO, getpid());
    execvp(argv[first], argv + first);
    fprintf(stderr, "berth-init: exec %s: %s\n", argv[first], strerror(errno));
    _exit(errno == ENOENT ? 127 : 126);
  }

  int exit_code = 0;
  bool child_done = false;
  while (true) {
    siginfo_t info;
    int sig = sigwaitinfo(&all, &info);
    if (sig < 0) continue;
    if (sig != SIGCHLD) {
      kill(child, sig);
      continue;
    }
    // Reap everything that has exited: the command and any orphans.
    while (true) {
      int status = 0;
      pid_t pid = waitpid(-1, &status, WNOHANG);
      if (pid <= 0) break;
      if (pid == child) {
        exit_code = ExitCode(status);
        child_done = true;
      }
    }
    if (child_done) {
      // What the command left running goes with it, as the container ends.
      kill(-child, SIGKILL);
      while (waitpid(-1, nullptr, WNOHANG) > 0) {
      }
      return exit_code;
    }
  }
}
