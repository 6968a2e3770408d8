#include "services/common/server/signals.h"

#include <pthread.h>

#include <cerrno>

namespace berth::server {
namespace {

sigset_t MakeSet(std::initializer_list<int> signals) {
  sigset_t set;
  sigemptyset(&set);
  for (int sig : signals) sigaddset(&set, sig);
  return set;
}

}  // namespace

void BlockSignals(std::initializer_list<int> signals) {
  sigset_t set = MakeSet(signals);
  pthread_sigmask(SIG_BLOCK, &set, nullptr);
}

int WaitForSignal(std::initializer_list<int> signals) {
  sigset_t set = MakeSet(signals);
  while (true) {
    int sig = 0;
    if (sigwait(&set, &sig) == 0) return sig;
    if (errno != EINTR) return -1;
  }
}

}  // namespace berth::server
