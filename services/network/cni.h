#ifndef BERTH_SERVICES_NETWORK_CNI_H_
#define BERTH_SERVICES_NETWORK_CNI_H_

// Runs CNI plugins as the CNI specification says (the same binaries
// containerd's CRI, CRI-O and the kubelet use): the plugin's config on
// stdin with name, cniVersion, prevResult and runtimeConfig added,
// CNI_COMMAND/CNI_CONTAINERID/CNI_NETNS/CNI_IFNAME/CNI_PATH in the
// environment, the result JSON on stdout, errors as {code, msg, details}.

#include <string>
#include <vector>

#include "absl/status/statusor.h"
#include "nlohmann/json.hpp"

namespace berth::network {

struct CniPort {
  std::string host_ip;
  int host_port = 0;
  int container_port = 0;
  std::string protocol = "tcp";
};

struct CniRuntime {
  std::string container_id;
  std::string netns;
  std::string ifname = "eth0";
  std::vector<CniPort> ports;
};

class CniRunner {
 public:
  explicit CniRunner(std::string plugin_dir = "/usr/lib/cni") : plugin_dir_(std::move(plugin_dir)) {}

  // ADD through the list's plugins in order; returns the last result.
  // On a failure the plugins already run are undone with DEL.
  absl::StatusOr<nlohmann::json> Add(const nlohmann::json& conflist, const CniRuntime& runtime) const;
  // DEL in reverse order, with the result ADD gave; every plugin is asked
  // even if one fails (the first error is returned).
  absl::Status Del(const nlohmann::json& conflist, const CniRuntime& runtime,
                   const nlohmann::json& result) const;

 private:
  absl::StatusOr<nlohmann::json> Run(const std::string& command, const nlohmann::json& list,
                                     const nlohmann::json& plugin, const CniRuntime& runtime,
                                     const nlohmann::json& prev_result) const;
  std::string plugin_dir_;
};

}  // namespace berth::network

#endif  // BERTH_SERVICES_NETWORK_CNI_H_
