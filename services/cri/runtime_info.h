#ifndef BERTH_SERVICES_CRI_RUNTIME_INFO_H_
#define BERTH_SERVICES_CRI_RUNTIME_INFO_H_

// What the kubelet asks about the runtime itself: version, readiness of
// the runtime and of the network, the cgroup driver, and the pod CIDR it
// hands over.

#include <chrono>
#include <string>

#include "absl/status/statusor.h"
#include "k8s/cri/runtime/v1/api.pb.h"
#include "services/common/config/daemon_config.h"
#include "services/cri/backends.h"
#include "services/cri/settings_store.h"

namespace berth::cri {

// The CRI version berth-cri speaks (containerd answers the same).
inline constexpr char kRuntimeApiVersion[] = "v1";
inline constexpr char kRuntimeName[] = "berth";

// A CIDR ("10.88.0.0/16", "fd00::/64"), or several for dual-stack joined
// by ','. INVALID_ARGUMENT names the bad one.
absl::Status ValidatePodCidr(const std::string& cidrs);

class RuntimeInfo {
 public:
  RuntimeInfo(const config::DaemonConfig* config, const Backends* backends,
              SettingsStore* settings, std::string socket)
      : config_(config), backends_(backends), settings_(settings), socket_(std::move(socket)) {}

  runtime::v1::VersionResponse Version() const;
  // RuntimeReady: the tasks service serves; NetworkReady: the network
  // service does. A false one has a reason and a message.
  absl::StatusOr<runtime::v1::StatusResponse> Status(bool verbose) const;
  runtime::v1::RuntimeConfigResponse Config() const;
  // An empty pod CIDR leaves the one before (containerd does the same).
  absl::Status Update(const runtime::v1::RuntimeConfig& runtime_config);

  // How long a readiness probe of a service may take.
  static constexpr std::chrono::milliseconds kProbeTimeout{2000};

 private:
  const config::DaemonConfig* config_;
  const Backends* backends_;
  SettingsStore* settings_;
  std::string socket_;
};

}  // namespace berth::cri

#endif  // BERTH_SERVICES_CRI_RUNTIME_INFO_H_
