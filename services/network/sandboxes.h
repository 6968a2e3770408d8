#ifndef BERTH_SERVICES_NETWORK_SANDBOXES_H_
#define BERTH_SERVICES_NETWORK_SANDBOXES_H_

// Sandboxes: a container's network namespace (bound under
// <exec-root>/netns/<id>), plumbed into the default bridge network with
// the CNI plugins (bridge + host-local IPAM, portmap for published ports,
// firewall, loopback), recorded in SQLite so a restarted service can undo
// them with CNI DEL.

#include <map>
#include <memory>
#include <optional>
#include <string>

#include "absl/status/statusor.h"
#include "absl/synchronization/mutex.h"
#include "berth/network/v1/network.pb.h"
#include "services/common/config/daemon_config.h"
#include "services/common/store/database.h"
#include "services/network/cni.h"
#include "services/network/dns.h"

namespace berth::network {

class Sandboxes {
 public:
  Sandboxes(store::Database* db, std::string data_dir, std::string exec_root)
      : db_(db), data_dir_(std::move(data_dir)), exec_root_(std::move(exec_root)) {}

  // The default network "bridge" (device berth0, or br-<id> for a berthd
  // with another exec root): its subnet from bip, or
  // the first private /16 that no route of the host uses.
  absl::Status EnsureDefaultNetwork(const config::DaemonConfig& config);

  absl::StatusOr<v1::Sandbox> Create(const v1::CreateSandboxRequest& request);
  // endpoint_id: only if the sandbox still has that endpoint.
  absl::Status Remove(const std::string& container_id, const std::string& endpoint_id = "");
  absl::StatusOr<v1::Sandbox> Get(const std::string& container_id);

  // User networks: a bridge of their own (br-<id>), a subnet that overlaps
  // no other network or host route.
  absl::StatusOr<v1::Network> CreateNetwork(const v1::CreateNetworkRequest& request);
  // Refused while containers are attached, and for the default network.
  absl::Status RemoveNetwork(const std::string& ref);
  // By name, id or unique id prefix.
  absl::StatusOr<v1::Network> FindNetwork(const std::string& ref);
  // Name servers of the user networks that have containers (at start).
  void StartNameServers();

 private:
  absl::StatusOr<v1::Network> DefaultNetwork();
  std::vector<v1::Network> AllNetworks();
  std::vector<std::string> TakenSubnets();
  // The name server of a user network, started once its bridge has the
  // gateway address (after its first container's CNI ADD).
  void EnsureNameServer(const v1::Network& network) ABSL_EXCLUSIVE_LOCKS_REQUIRED(mu_);
  std::optional<std::string> LookupName(const std::string& network_id, const std::string& name);
  std::map<std::string, std::unique_ptr<DnsResponder>> name_servers_ ABSL_GUARDED_BY(mu_);
  // portmap only when ports are published: one plugin run less otherwise.
  nlohmann::json Conflist(const v1::Network& network, bool with_ports) const;
  absl::Status AllocatePorts(const std::string& container_id, v1::CreateSandboxRequest* request)
      ABSL_EXCLUSIVE_LOCKS_REQUIRED(mu_);
  absl::Status RemoveLocked(const std::string& container_id) ABSL_EXCLUSIVE_LOCKS_REQUIRED(mu_);

  store::Database* db_;
  std::string data_dir_;
  std::string exec_root_;
  CniRunner cni_;
  // One sandbox change at a time: port allocation and IPAM see each other.
  absl::Mutex mu_;
};

// The first of the candidate private subnets no host route overlaps.
absl::StatusOr<std::string> ChooseSubnet(const std::string& proc_net_route,
                                         const std::vector<std::string>& taken = {});

}  // namespace berth::network

#endif  // BERTH_SERVICES_NETWORK_SANDBOXES_H_
