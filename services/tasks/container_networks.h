#ifndef BERTH_SERVICES_TASKS_CONTAINER_NETWORKS_H_
#define BERTH_SERVICES_TASKS_CONTAINER_NETWORKS_H_

// What a container's networks mean for the files and names the tasks
// service owns: the address `host-gateway` stands for in --add-host, the
// name server its resolv.conf names (a user network's, once it is on one,
// also through `network connect`), and its name on the networks' name
// servers after a rename. The network service plumbs; this keeps the
// container's side in step.

#include <functional>
#include <memory>
#include <optional>
#include <string>

#include "absl/status/statusor.h"
#include "absl/synchronization/mutex.h"
#include "berth/network/v1/network.grpc.pb.h"
#include "berth/tasks/v1/tasks.pb.h"
#include "services/tasks/container_store.h"

namespace berth::tasks {

// The gateway of the first user network a sandbox is on (its own network,
// else the first one connected), whose name server answers for every
// network the container is on; nullopt on the default bridge alone.
std::optional<std::string> UserNetworkNameServer(const berth::network::v1::Sandbox& sandbox);

// resolv.conf naming `name_server` instead of the host's nameservers; the
// search and options lines of `host_resolv_conf` stay.
std::string NameServerResolvConf(const std::string& host_resolv_conf, const std::string& name_server);

class ContainerNetworks {
 public:
  // host_gateway_ip: daemon.json's host-gateway-ip; empty for the default
  // bridge's gateway.
  ContainerNetworks(ContainerStore* store,
                    std::shared_ptr<berth::network::v1::Networks::StubInterface> networks,
                    std::string host_gateway_ip)
      : store_(store), networks_(std::move(networks)), host_gateway_ip_(std::move(host_gateway_ip)) {}

  // What --add-host NAME:host-gateway maps to (docker's HostGatewayIP).
  absl::StatusOr<std::string> HostGateway();

  // docker network connect/disconnect of a container by name or id, in
  // namespace ns.
  absl::Status Connect(const std::string& ns, const v1::ConnectNetworkRequest& request);
  absl::Status Disconnect(const std::string& ns, const v1::DisconnectNetworkRequest& request);

  // The container's endpoints answer to `name` from now on.
  absl::Status Rename(const std::string& id, const std::string& name);

 private:
  // A running container's resolv.conf after its networks changed.
  absl::Status RefreshResolvConf(const v1::Container& container);

  ContainerStore* store_;
  std::shared_ptr<berth::network::v1::Networks::StubInterface> networks_;
  std::string host_gateway_ip_;
  absl::Mutex mu_;
  std::string default_gateway_ ABSL_GUARDED_BY(mu_);
};

}  // namespace berth::tasks

#endif  // BERTH_SERVICES_TASKS_CONTAINER_NETWORKS_H_
