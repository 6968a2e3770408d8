#include "services/berthd/cgroup_settings.h"

#include <unistd.h>

#include "absl/strings/match.h"
#include "absl/strings/str_cat.h"
#include "services/common/host/host_info.h"
#include "shim/cgroup/systemd_unit.h"

namespace berth::berthd {

absl::Status ResolveCgroupDriver(config::DaemonConfig* config, const std::string& systemd_helper,
                                 const std::string& run) {
  bool systemd_init = host::SystemdIsInit(run);
  if (config->cgroup_driver.empty()) config->cgroup_driver = systemd_init ? "systemd" : "cgroupfs";
  if (config->cgroup_driver != "systemd") {
    if (config->cgroup_parent.empty()) config->cgroup_parent = "berth";
    if (absl::StrContains(config->cgroup_parent, "..")) {
      return absl::InvalidArgumentError(
          absl::StrCat("cgroup-parent \"", config->cgroup_parent, "\": may not contain \"..\""));
    }
    return absl::OkStatus();
  }
  if (!systemd_init) {
    return absl::FailedPreconditionError(absl::StrCat(
        "cgroup-driver \"systemd\": systemd is not the init system here (no ", run,
        "/systemd/system); use cgroupfs"));
  }
  if (::access(systemd_helper.c_str(), X_OK) != 0) {
    return absl::FailedPreconditionError(absl::StrCat(
        "cgroup-driver \"systemd\": ", systemd_helper, " is missing (install it next to berthd)"));
  }
  if (config->cgroup_parent.empty()) config->cgroup_parent = "system.slice";
  return cgroup::SlicePath(config->cgroup_parent).status();
}

}  // namespace berth::berthd
