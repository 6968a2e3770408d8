#include "services/cri/runtime_info.h"

#include <arpa/inet.h>

#include "absl/strings/numbers.h"
#include "absl/strings/str_cat.h"
#include "absl/strings/str_split.h"
#include "absl/strings/strip.h"
#include "nlohmann/json.hpp"
#include "services/common/base/version.h"
#include "services/common/namespaces/namespace.h"

namespace berth::cri {
namespace {

// The kubelet's own CRI client version, which containerd reports too.
constexpr char kKubeletApiVersion[] = "0.1.0";

absl::Status ValidateCidr(absl::string_view cidr) {
  auto invalid = [&] {
    return absl::InvalidArgumentError(absl::StrCat("invalid pod CIDR \"", cidr, "\""));
  };
  size_t slash = cidr.find('/');
  if (slash == absl::string_view::npos) return invalid();
  std::string address(cidr.substr(0, slash));
  int bits = 0;
  if (!absl::SimpleAtoi(cidr.substr(slash + 1), &bits)) return invalid();
  unsigned char buffer[16];
  if (::inet_pton(AF_INET, address.c_str(), buffer) == 1) {
    if (bits < 0 || bits > 32) return invalid();
  } else if (::inet_pton(AF_INET6, address.c_str(), buffer) == 1) {
    if (bits < 0 || bits > 128) return invalid();
  } else {
    return invalid();
  }
  return absl::OkStatus();
}

runtime::v1::RuntimeCondition Condition(const std::string& type, const absl::Status& probe,
                                        const std::string& reason, const std::string& service) {
  runtime::v1::RuntimeCondition condition;
  condition.set_type(type);
  condition.set_status(probe.ok());
  if (!probe.ok()) {
    condition.set_reason(reason);
    condition.set_message(
        absl::StrCat("berth ", service, " service is not ready: ", probe.message()));
  }
  return condition;
}

}  // namespace

absl::Status ValidatePodCidr(const std::string& cidrs) {
  for (absl::string_view cidr : absl::StrSplit(cidrs, ',')) {
    if (absl::Status status = ValidateCidr(absl::StripAsciiWhitespace(cidr)); !status.ok()) {
      return status;
    }
  }
  return absl::OkStatus();
}

runtime::v1::VersionResponse RuntimeInfo::Version() const {
  runtime::v1::VersionResponse response;
  response.set_version(kKubeletApiVersion);
  response.set_runtime_name(kRuntimeName);
  response.set_runtime_version(kVersion);
  response.set_runtime_api_version(kRuntimeApiVersion);
  return response;
}

absl::StatusOr<runtime::v1::StatusResponse> RuntimeInfo::Status(bool verbose) const {
  runtime::v1::StatusResponse response;
  // Containers run through the tasks service (and its shims): it is the
  // runtime. Pods get their network from the network service.
  *response.mutable_status()->add_conditions() =
      Condition("RuntimeReady", CheckServing(*backends_->tasks_channel, kProbeTimeout),
                "BerthNotReady", "tasks");
  *response.mutable_status()->add_conditions() =
      Condition("NetworkReady", CheckServing(*backends_->network_channel, kProbeTimeout),
                "NetworkPluginNotReady", "network");
  if (verbose) {
    auto pod_cidr = settings_->PodCidr();
    if (!pod_cidr.ok()) return pod_cidr.status();
    nlohmann::json config = {
        {"runtimeName", kRuntimeName},
        {"runtimeVersion", kVersion},
        {"namespace", namespaces::kKubernetes},
        {"criSocket", socket_},
        {"cgroupDriver", config_->cgroup_driver},
        {"podCIDR", *pod_cidr},
        {"dataRoot", config_->data_root},
        {"execRoot", config_->exec_root},
        {"storageDriver", config_->storage_driver},
        {"registryMirrors", config_->registry_mirrors},
    };
    (*response.mutable_info())["config"] = config.dump();
  }
  return response;
}

runtime::v1::RuntimeConfigResponse RuntimeInfo::Config() const {
  runtime::v1::RuntimeConfigResponse response;
  response.mutable_linux()->set_cgroup_driver(config_->cgroup_driver == "systemd"
                                                  ? runtime::v1::SYSTEMD
                                                  : runtime::v1::CGROUPFS);
  return response;
}

absl::Status RuntimeInfo::Update(const runtime::v1::RuntimeConfig& runtime_config) {
  const std::string& cidr = runtime_config.network_config().pod_cidr();
  if (cidr.empty()) return absl::OkStatus();
  if (absl::Status status = ValidatePodCidr(cidr); !status.ok()) return status;
  return settings_->SetPodCidr(cidr);
}

}  // namespace berth::cri
