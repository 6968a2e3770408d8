#ifndef BERTH_SHIM_CGROUP_DEVICES_H_
#define BERTH_SHIM_CGROUP_DEVICES_H_

// What a container may do with device nodes: a list of allow rules in the
// devices cgroup's terms ("c 1:3 rwm"), everything else denied. Creating a
// node (CAP_MKNOD) gives no access by itself: opening it is checked against
// these rules, in the v1 devices controller or a v2 BPF program.

#include <cstdint>
#include <string>
#include <vector>

#include "absl/status/statusor.h"
#include "absl/strings/string_view.h"

namespace berth::cgroup {

constexpr int64_t kAnyDevice = -1;

struct DeviceRule {
  // 'a' (every device), 'c' (character) or 'b' (block).
  char type = 'a';
  int64_t major = kAnyDevice;
  int64_t minor = kAnyDevice;
  // Some of r (read), w (write), m (mknod).
  std::string access = "rwm";

  bool operator==(const DeviceRule& other) const {
    return type == other.type && major == other.major && minor == other.minor &&
           access == other.access;
  }
};

// "c 1:3 rwm", "b *:* m", "a": the devices cgroup's syntax, as docker's
// --device-cgroup-rule takes it. Errors say docker's "invalid device cgroup
// format '...'".
absl::StatusOr<DeviceRule> ParseDeviceRule(absl::string_view text);

// The rule as docker shows it ("a *:* rwm", "c 1:3 rwm").
std::string FormatDeviceRule(const DeviceRule& rule);

// The lines devices.allow (v1) takes for the rule: "a" means every device
// with every access there, so a narrower rule of type 'a' is written as
// its 'c' and 'b' halves.
std::vector<std::string> V1AllowLines(const DeviceRule& rule);

// What docker (its spec and runc's additions) lets every container use:
// mknod of any node, and /dev/null, zero, full, random, urandom, tty,
// console, ptmx, the pty slaves and tun.
const std::vector<DeviceRule>& DefaultDeviceRules();

// Some rule allows every device with every access (--privileged).
bool AllowsEverything(const std::vector<DeviceRule>& rules);

// systemd unit properties for the rules, as runc sets them for its driver:
// DevicePolicy=strict and one DeviceAllow= per rule ("/dev/char/1:3 rwm",
// "char-pts rwm", "char-* m"), so that systemd's own re-application of the
// scope's cgroup (daemon-reload) keeps the container limited. Nothing when
// every device is allowed. `proc_devices` is /proc/devices' text (the group
// names of majors, for minor wildcards).
std::vector<std::string> DeviceProperties(const std::vector<DeviceRule>& rules,
                                          absl::string_view proc_devices);

}  // namespace berth::cgroup

#endif  // BERTH_SHIM_CGROUP_DEVICES_H_
