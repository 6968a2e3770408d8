#ifndef BERTH_SHIM_SYSTEMD_BUS_H_
#define BERTH_SHIM_SYSTEMD_BUS_H_

// systemd's manager over D-Bus (sd-bus), for the systemd cgroup driver: a
// container's transient scope is started with its first process, its limits
// changed, and it is stopped. Every call waits for systemd's job to finish,
// so that the cgroup exists (or is gone) when it returns.

#include <sys/types.h>

#include <map>
#include <memory>
#include <string>
#include <vector>

#include "absl/status/status.h"
#include "absl/status/statusor.h"
#include "systemd/sd-bus.h"

namespace berth::systemd {

class Manager {
 public:
  // As root, systemd's private socket (no D-Bus daemon needed, as systemctl
  // does); otherwise, or without it, the system bus.
  static absl::StatusOr<std::unique_ptr<Manager>> Connect();
  ~Manager();

  // StartTransientUnit: a scope holding `pid`, delegated (the shim writes
  // the cgroup's files itself), in `slice`. `properties` are NAME=VALUE.
  absl::Status StartScope(const std::string& unit, const std::string& slice, pid_t pid,
                          const std::vector<std::string>& properties);
  // SetUnitProperties (runtime: forgotten when the scope goes).
  absl::Status SetProperties(const std::string& unit, const std::vector<std::string>& properties);
  // StopUnit; a unit that is already gone is not an error.
  absl::Status StopUnit(const std::string& unit);

 private:
  explicit Manager(sd_bus* bus) : bus_(bus) {}
  // Calls a manager method whose reply is a job, and waits for the job.
  absl::Status RunJob(sd_bus_message* call, const std::string& what);
  static int OnJobRemoved(sd_bus_message* message, void* userdata, sd_bus_error* error);

  sd_bus* bus_;
  sd_bus_slot* job_removed_ = nullptr;
  // Job object path -> result ("done", "failed", "canceled"...).
  std::map<std::string, std::string> removed_jobs_;
};

}  // namespace berth::systemd

#endif  // BERTH_SHIM_SYSTEMD_BUS_H_
