#ifndef BERTH_SERVICES_BERTHD_SUPERVISOR_H_
#define BERTH_SERVICES_BERTHD_SUPERVISOR_H_

// Starts berth's service processes, restarts one that dies with exponential
// back-off (a crash loop is logged and reported), and stops them on request.
// All process handling happens on berthd's main thread, driven by its signal
// loop: HandleChildExits on SIGCHLD, Tick on every wake-up.

#include <sys/types.h>

#include <functional>
#include <string>
#include <vector>

#include "absl/status/status.h"
#include "absl/synchronization/mutex.h"
#include "absl/time/time.h"
#include "services/berthd/backends.h"
#include "services/common/metrics/registry.h"

namespace berth::berthd {

struct ServiceSpec {
  std::string name;
  std::string binary;
  std::vector<std::string> args;
  std::string socket_path;
};

struct ServiceStatus {
  std::string name;
  // starting, running, backoff, crash-loop, stopped.
  std::string state;
  pid_t pid = 0;
  uint32_t restarts = 0;
  std::string socket_path;
  absl::Time started_at;
  std::string last_error;
};

class Supervisor {
 public:
  // Back-off after an exit: 100 ms doubling to 30 s; it resets once a
  // process has stayed up for kStableAfter. kCrashLoopExits quick exits in a
  // row mark the service crash-looping (still retried at the back-off).
  static constexpr absl::Duration kInitialBackoff = absl::Milliseconds(100);
  static constexpr absl::Duration kMaxBackoff = absl::Seconds(30);
  static constexpr absl::Duration kStableAfter = absl::Seconds(10);
  static constexpr int kCrashLoopExits = 5;

  Supervisor(std::vector<ServiceSpec> specs, Backends* backends, metrics::Registry* registry);

  // Starts every service and waits until each accepts connections.
  absl::Status StartAll(absl::Duration timeout);
  // Reaps exited children and schedules their restarts.
  void HandleChildExits();
  // Restarts services whose back-off has passed; notices started ones.
  void Tick();
  // Sends sig to each running service (SIGHUP: reload the configuration).
  // One still starting reads the configuration file as it starts.
  void SignalRunning(int sig);
  // SIGTERM to each service, SIGKILL after the grace period; no restarts.
  void StopAll(absl::Duration grace);
  // The same for one service, before the others (berthd stops the tasks
  // service first when containers must end with it).
  void StopFirst(const std::string& name, absl::Duration grace);

  std::vector<ServiceStatus> Snapshot() const;

 private:
  struct Entry {
    ServiceSpec spec;
    ServiceStatus status;
    int quick_exits = 0;
    absl::Duration backoff = kInitialBackoff;
    absl::Time restart_at;
  };

  void Spawn(Entry& entry) ABSL_EXCLUSIVE_LOCKS_REQUIRED(mu_);
  // SIGTERM to the services `which` names, SIGKILL after grace.
  void StopWhere(const std::function<bool(const Entry&)>& which, absl::Duration grace);
  void PublishState(const Entry& entry) ABSL_EXCLUSIVE_LOCKS_REQUIRED(mu_);

  Backends* backends_;
  metrics::Registry* registry_;
  mutable absl::Mutex mu_;
  std::vector<Entry> entries_ ABSL_GUARDED_BY(mu_);
  bool stopping_ ABSL_GUARDED_BY(mu_) = false;
};

// Whether something accepts connections on the unix socket.
bool SocketAccepts(const std::string& path);

}  // namespace berth::berthd

#endif  // BERTH_SERVICES_BERTHD_SUPERVISOR_H_
