#ifndef BERTH_SHIM_CGROUP_DEVICE_FILTER_H_
#define BERTH_SHIM_CGROUP_DEVICE_FILTER_H_

// cgroup v2 has no devices controller: access to device nodes is decided by
// BPF_PROG_TYPE_CGROUP_DEVICE programs attached to the cgroup. This builds
// one from allow rules (hand-assembled: the kernel's context is three u32s,
// access_type = access << 16 | type, major, minor) and attaches it.

#include <linux/bpf.h>

#include <vector>

#include "absl/status/status.h"
#include "shim/cgroup/devices.h"

namespace berth::cgroup {

// The program: 1 for a device some rule allows with every access asked,
// else 0 (denied, EPERM).
std::vector<bpf_insn> DeviceFilterProgram(const std::vector<DeviceRule>& rules);

// Loads the program and attaches it to the cgroup directory (with
// BPF_F_ALLOW_MULTI: systemd's own program may be there too, and every
// attached program must allow). It stays attached while the cgroup exists.
absl::Status AttachDeviceFilter(const std::string& cgroup_dir, const std::vector<DeviceRule>& rules);

}  // namespace berth::cgroup

#endif  // BERTH_SHIM_CGROUP_DEVICE_FILTER_H_
