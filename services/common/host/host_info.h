#ifndef BERTH_SERVICES_COMMON_HOST_HOST_INFO_H_
#define BERTH_SERVICES_COMMON_HOST_HOST_INFO_H_

// Facts about the host that `berth info` reports and that decide how
// containers are set up (cgroup layout, driver).

#include <cstdint>
#include <string>

namespace berth::host {

struct CgroupLayout {
  // 2 when /sys/fs/cgroup is a cgroup2 mount (unified); 1 otherwise.
  int version = 1;
  // v1 controllers with a cgroup2 mount beside them (systemd's "hybrid").
  bool hybrid = false;
};

// Detected at run time from the filesystem type of the cgroup mounts.
CgroupLayout DetectCgroupLayout(const std::string& root = "/sys/fs/cgroup");

// systemd is the init system (sd_booted's test: /run/systemd/system).
bool SystemdIsInit(const std::string& run = "/run");

std::string KernelVersion();
// PRETTY_NAME from /etc/os-release.
std::string OperatingSystem();
// uname machine, as docker prints it (x86_64).
std::string Architecture();
// GOARCH-style name for OCI platforms (amd64, arm64...).
std::string OciArchitecture();
int CpuCount();
int64_t MemTotalBytes();
std::string Hostname();

}  // namespace berth::host

#endif  // BERTH_SERVICES_COMMON_HOST_HOST_INFO_H_
