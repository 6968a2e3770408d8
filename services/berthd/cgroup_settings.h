#ifndef BERTH_SERVICES_BERTHD_CGROUP_SETTINGS_H_
#define BERTH_SERVICES_BERTHD_CGROUP_SETTINGS_H_

// The cgroup driver and parent every service and shim will use, settled
// once by berthd before the services read the configuration.

#include <string>

#include "absl/status/status.h"
#include "services/common/config/daemon_config.h"

namespace berth::berthd {

// An empty cgroup-driver becomes systemd when systemd is the init system
// (seen under `run`), cgroupfs otherwise; an empty cgroup-parent becomes
// "system.slice" or "berth". Refused: the systemd driver without systemd,
// or without its helper (`systemd_helper`, next to berthd), and a
// cgroup-parent that is not a slice under it.
absl::Status ResolveCgroupDriver(config::DaemonConfig* config, const std::string& systemd_helper,
                                 const std::string& run = "/run");

}  // namespace berth::berthd

#endif  // BERTH_SERVICES_BERTHD_CGROUP_SETTINGS_H_
