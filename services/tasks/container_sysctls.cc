#include "services/tasks/container_sysctls.h"

#include <string>

#include "absl/strings/match.h"
#include "absl/strings/str_cat.h"

namespace berth::tasks {
namespace {

bool IsIpcSysctl(const std::string& key) {
  return key == "kernel.msgmax" || key == "kernel.msgmnb" || key == "kernel.msgmni" ||
         key == "kernel.sem" || key == "kernel.shmall" || key == "kernel.shmmax" ||
         key == "kernel.shmmni" || key == "kernel.shm_rmid_forced" ||
         absl::StartsWith(key, "fs.mqueue.");
}

}  // namespace

absl::Status ValidateSysctls(const v1::ContainerSpec& spec) {
  for (const auto& [key, value] : spec.sysctls()) {
    if (key.empty() || key.find("..") != std::string::npos || key.find('/') != std::string::npos) {
      return absl::InvalidArgumentError(absl::StrCat("invalid sysctl \"", key, "\""));
    }
    if (IsIpcSysctl(key)) {
      if (spec.ipc_mode() == "host") {
        return absl::InvalidArgumentError(
            absl::StrCat("sysctl \"", key, "\" is not allowed in the hosts ipc namespace"));
      }
    } else if (absl::StartsWith(key, "net.")) {
      if (spec.network_mode() == "host") {
        return absl::InvalidArgumentError(
            absl::StrCat("sysctl \"", key, "\" not allowed in host network namespace"));
      }
    } else if (key == "kernel.domainname") {
      if (spec.uts_mode() == "host") {
        return absl::InvalidArgumentError(
            absl::StrCat("sysctl \"", key, "\" is not allowed in the hosts uts namespace"));
      }
    } else if (key == "kernel.hostname") {
      return absl::InvalidArgumentError(absl::StrCat(
          "sysctl \"", key, "\" is not allowed as it conflicts with the OCI \"hostname\" field"));
    } else {
      return absl::InvalidArgumentError(
          absl::StrCat("sysctl \"", key, "\" is not in a separate kernel namespace"));
    }
  }
  return absl::OkStatus();
}

}  // namespace berth::tasks
