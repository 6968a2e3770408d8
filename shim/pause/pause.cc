// berth-pause: the process of a pod's namespace holder (the CRI's pod
// sandbox). It holds the pod's network, IPC and UTS namespaces while the
// pod lives, reaps the orphans that end up with it as PID 1, and exits on
// SIGTERM or SIGINT, as Kubernetes' pause container does. Statically linked
// so that it runs on an empty root filesystem.

#include <signal.h>
#include <sys/wait.h>
#include <unistd.h>

int main() {
  sigset_t wanted;
  sigemptyset(&wanted);
  sigaddset(&wanted, SIGTERM);
  sigaddset(&wanted, SIGINT);
  sigaddset(&wanted, SIGCHLD);
  sigprocmask(SIG_BLOCK, &wanted, nullptr);
  while (true) {
    int sig = sigwaitinfo(&wanted, nullptr);
    if (sig == SIGTERM || sig == SIGINT) return 0;
    if (sig == SIGCHLD) {
      while (waitpid(-1, nullptr, WNOHANG) > 0) {
      }
    }
  }
}
