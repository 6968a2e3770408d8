#ifndef BERTH_SERVICES_NETWORK_SANDBOXES_H_
#define BERTH_SERVICES_NETWORK_SANDBOXES_H_

// Sandboxes: a container's network namespace (bound under
// <exec-root>/netns/<id>), plumbed into the default bridge network with
// the CNI plugins (bridge + host-local IPAM, portmap for published ports,
// loopback), recorded in SQLite so a restarted service can undo
// them with CNI DEL.

#include <map>
#include <memory>
#include <optional>
#include <set>
#include <string>

#include "absl/status/statusor.h"
#include "absl/synchronization/mutex.h"
#include "berth/network/v1/network.pb.h"
#include "services/common/config/daemon_config.h"
#include "services/common/store/database.h"
#include "services/network/cni.h"
#include "services/network/container_locks.h"
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

  // Where the networks' name servers send names they do not know: the
  // daemon's dns servers when it has some (as dockerd's embedded DNS),
  // else the host's resolv.conf, read when a name server starts.
  void SetUpstreamNameservers(std::vector<std::string> servers) {
    absl::MutexLock lock(&mu_);
    upstream_nameservers_ = std::move(servers);
  }

  absl::StatusOr<v1::Sandbox> Create(const v1::CreateSandboxRequest& request);
  // endpoint_id: only if the sandbox still has that endpoint.
  // container_removed: its connections to other networks are forgotten too.
  absl::Status Remove(const std::string& container_id, const std::string& endpoint_id = "",
                      bool container_removed = false);
  absl::StatusOr<v1::Sandbox> Get(const std::string& container_id);

  // docker network connect: an interface more (eth1, eth2…) in a running
  // container's namespace now, and at every later start (kept until
  // disconnect or the container's removal).
  absl::StatusOr<v1::Endpoint> Connect(const v1::ConnectRequest& request);
  absl::Status Disconnect(const v1::DisconnectRequest& request);
  // docker rename: the name servers answer to the container's new name
  // (its endpoints now and its connections at the next start).
  absl::Status RenameEndpoints(const std::string& container_id, const std::string& name);

  // User networks: a bridge of their own (br-<id>), a subnet that overlaps
  // no other network or host route.
  absl::StatusOr<v1::Network> CreateNetwork(const v1::CreateNetworkRequest& request);
  // Refused while containers are attached, and for the default network.
  absl::Status RemoveNetwork(const std::string& ref);
  // By name, id or unique id prefix.
  absl::StatusOr<v1::Network> FindNetwork(const std::string& ref);
  // At start: name servers of the user networks, and the isolation rules
  // of exactly the networks that have containers.
  void Reconcile();

 private:
  absl::StatusOr<v1::Network> DefaultNetwork();
  std::vector<v1::Network> AllNetworks();
  std::vector<std::string> TakenSubnets();
  // The name server of a user network, started once its bridge has the
  // gateway address (after its first container's CNI ADD).
  void EnsureNameServer(const v1::Network& network) ABSL_EXCLUSIVE_LOCKS_REQUIRED(mu_);
  // A name on the network, or on another network the asking container
  // (by its address on this one) is connected to.
  std::optional<std::string> LookupName(const std::string& network_id, const std::string& name,
                                        const std::string& client);
  std::vector<v1::Sandbox> AllSandboxes();
  std::map<std::string, std::unique_ptr<DnsResponder>> name_servers_ ABSL_GUARDED_BY(mu_);
  std::vector<std::string> upstream_nameservers_ ABSL_GUARDED_BY(mu_);
  // portmap only when ports are published: one plugin run less otherwise.
  // default_route: the first network's gateway is the container's way out;
  // networks connected later add only their subnet (as docker).
  nlohmann::json Conflist(const v1::Network& network, bool with_ports, bool default_route = true) const;
  // The list berth used before the network's rules replaced per-container
  // ones (the bridge plugin's ipMasq, the firewall plugin): endpoints it
  // made need the same plugins at DEL.
  nlohmann::json PerContainerRulesConflist(const v1::Network& network, bool with_ports) const;
  absl::Status AllocatePorts(const std::string& container_id, v1::CreateSandboxRequest* request)
      ABSL_EXCLUSIVE_LOCKS_REQUIRED(mu_);
  absl::Status RemoveLocked(const std::string& container_id) ABSL_EXCLUSIVE_LOCKS_REQUIRED(mu_);
  absl::Status StoreSandbox(const v1::Sandbox& sandbox);

  // Plumbs a sandbox's namespace into a network as interface `ifname`
  // (CNI ADD, after the network's isolation rules are in place).
  struct Attachment {
    const v1::Network* network;
    std::string ifname;
    std::string container_name;
    google::protobuf::RepeatedPtrField<std::string> aliases;
    google::protobuf::RepeatedPtrField<v1::PortMapping> ports;
  };
  absl::StatusOr<v1::Endpoint> AddEndpoint(const v1::Sandbox& sandbox, const Attachment& attachment)
      ABSL_EXCLUSIVE_LOCKS_REQUIRED(mu_);
  // CNI DEL of one endpoint; the network's rules go with its last endpoint.
  absl::Status DelEndpoint(const v1::Sandbox& sandbox, const v1::Endpoint& endpoint, bool primary)
      ABSL_EXCLUSIVE_LOCKS_REQUIRED(mu_);
  // Connections (network connect) waiting for the container's next start.
  struct Connection {
    std::string network_id;
    std::string container_name;
    google::protobuf::RepeatedPtrField<std::string> aliases;
  };
  std::vector<Connection> Connections(const std::string& container_id);
  absl::Status ForgetConnection(const std::string& container_id, const std::string& network_id);
  // Attaches the stored connections at start (a network gone meanwhile is
  // forgotten).
  absl::Status AttachConnections(v1::Sandbox* sandbox) ABSL_EXCLUSIVE_LOCKS_REQUIRED(mu_);
  // Stored endpoints, or one being added by a container other than
  // `except` (its CNI ADD runs without mu_).
  bool NetworkHasEndpoints(const std::string& network_id, const std::string& except = "")
      ABSL_EXCLUSIVE_LOCKS_REQUIRED(mu_);
  absl::Status Isolate(const v1::Network& network) ABSL_EXCLUSIVE_LOCKS_REQUIRED(mu_);
  // After `container_id` let go of the network (or failed to join it).
  void ReleaseIsolationIfUnused(const std::string& network_id, const std::string& container_id)
      ABSL_EXCLUSIVE_LOCKS_REQUIRED(mu_);
  // A CNI plugin run, with mu_ released: the plugins of different
  // containers run side by side (they lock what they share themselves:
  // host-local its store, iptables its tables).
  absl::StatusOr<nlohmann::json> CniAddUnlocked(const nlohmann::json& conflist,
                                                const CniRuntime& runtime)
      ABSL_EXCLUSIVE_LOCKS_REQUIRED(mu_);
  absl::Status CniDelUnlocked(const nlohmann::json& conflist, const CniRuntime& runtime,
                              const nlohmann::json& result) ABSL_EXCLUSIVE_LOCKS_REQUIRED(mu_);
  // What a sandbox being made holds before it is stored: the networks it
  // is joining (their rules must stay) and its ports (no one else's).
  struct Pending {
    std::set<std::string> networks;
    google::protobuf::RepeatedPtrField<v1::PortMapping> ports;
  };
  // Drops a container's Pending entry when the call that made it ends,
  // stored or given up (declared after the MutexLock: mu_ is held then).
  class PendingScope {
   public:
    PendingScope(Sandboxes* self, std::string id) : self_(self), id_(std::move(id)) {}
    ~PendingScope() ABSL_NO_THREAD_SAFETY_ANALYSIS { self_->pending_.erase(id_); }
    PendingScope(const PendingScope&) = delete;
    PendingScope& operator=(const PendingScope&) = delete;

   private:
    Sandboxes* self_;
    std::string id_;
  };

  store::Database* db_;
  std::string data_dir_;
  std::string exec_root_;
  CniRunner cni_;
  // One change per container at a time (held before mu_).
  ContainerLocks container_locks_;
  // The shared state; released while CNI plugins run.
  absl::Mutex mu_;
  std::map<std::string, Pending> pending_ ABSL_GUARDED_BY(mu_);
  // Networks whose isolation rules this process has put in place.
  std::set<std::string> isolated_ ABSL_GUARDED_BY(mu_);
  // The isolation chains exist (made once per process); the INPUT chain
  // only once an internal network is used.
  bool chains_ready_ ABSL_GUARDED_BY(mu_) = false;
  bool input_chain_ready_ ABSL_GUARDED_BY(mu_) = false;
};

// The first of the candidate private subnets no host route overlaps.
absl::StatusOr<std::string> ChooseSubnet(const std::string& proc_net_route,
                                         const std::vector<std::string>& taken = {});

// The interfaces other than `own_device` with a route overlapping `subnet`
// (a network's subnet that something else on the host took since: its
// containers would be unreachable from the host).
std::vector<std::string> RouteConflicts(const std::string& proc_net_route, const std::string& subnet,
                                        const std::string& own_device);

}  // namespace berth::network

#endif  // BERTH_SERVICES_NETWORK_SANDBOXES_H_
