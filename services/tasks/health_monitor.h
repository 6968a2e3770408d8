#ifndef BERTH_SERVICES_TASKS_HEALTH_MONITOR_H_
#define BERTH_SERVICES_TASKS_HEALTH_MONITOR_H_

// Runs containers' health checks on schedule while they run, as docker's
// daemon does: each probe is an exec in the container through its shim
// (exec_create, exec_start, exec_die events), its output kept, killed at
// its timeout; the result moves the recorded health (health.h), kept in
// the container's record so that inspect shows it after this service
// restarts. One thread keeps the schedule; a probe runs on a thread of
// its own only while it runs.

#include <map>
#include <string>
#include <thread>

#include "absl/synchronization/mutex.h"
#include "absl/time/time.h"
#include "berth/tasks/v1/tasks.pb.h"
#include "services/tasks/container_store.h"
#include "services/tasks/health.h"
#include "services/tasks/task_manager.h"

namespace berth::tasks {

class HealthMonitor {
 public:
  HealthMonitor(ContainerStore* store, TaskManager* tasks);
  ~HealthMonitor();
  HealthMonitor(const HealthMonitor&) = delete;
  HealthMonitor& operator=(const HealthMonitor&) = delete;

  // Begins checking a running container with a probe (nothing otherwise):
  // the first probe after the start interval or interval from now.
  void Watch(const std::string& id);
  // Stops checking it; the result of a probe under way is dropped.
  void Unwatch(const std::string& id);

 private:
  struct Entry {
    uint64_t generation = 0;
    absl::Time due;
    bool probing = false;
  };

  void Loop();
  void Probe(const std::string& id, uint64_t generation);
  // One exec of the probe, to its end or its timeout.
  v1::HealthcheckResult RunProbe(const Container& container, const HealthProbe& probe);

  ContainerStore* store_;
  TaskManager* tasks_;
  absl::Mutex mu_;
  std::map<std::string, Entry> entries_ ABSL_GUARDED_BY(mu_);
  uint64_t generations_ ABSL_GUARDED_BY(mu_) = 0;
  int probes_running_ ABSL_GUARDED_BY(mu_) = 0;
  bool changed_ ABSL_GUARDED_BY(mu_) = false;
  bool stopping_ ABSL_GUARDED_BY(mu_) = false;
  std::thread thread_;
};

}  // namespace berth::tasks

#endif  // BERTH_SERVICES_TASKS_HEALTH_MONITOR_H_
