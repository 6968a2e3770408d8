#ifndef BERTH_SHIM_CGROUP_SYSTEMD_SCOPE_H_
#define BERTH_SHIM_CGROUP_SYSTEMD_SCOPE_H_

// A container's transient scope under the systemd cgroup driver, managed
// through berth-systemd-scope (the static shim does not link sd-bus): each
// call runs the helper, which waits for systemd's job, and its error text
// becomes the status.

#include <sys/types.h>

#include <string>
#include <vector>

#include "absl/status/status.h"

namespace berth::cgroup {

class SystemdScope {
 public:
  SystemdScope(std::string helper, std::string unit, std::string slice)
      : helper_(std::move(helper)), unit_(std::move(unit)), slice_(std::move(slice)) {}

  // Starts the scope with `pid` as its first process.
  absl::Status Start(pid_t pid, const std::vector<std::string>& properties);
  absl::Status SetProperties(const std::vector<std::string>& properties);
  // Stops the scope (its processes are gone by then); gone already is fine.
  absl::Status Stop();

  const std::string& unit() const { return unit_; }

 private:
  absl::Status Run(std::vector<std::string> args) const;

  std::string helper_;
  std::string unit_;
  std::string slice_;
};

}  // namespace berth::cgroup

#endif  // BERTH_SHIM_CGROUP_SYSTEMD_SCOPE_H_
