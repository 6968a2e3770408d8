#include "services/tasks/container_networks.h"

#include <chrono>
#include <fstream>

#include "absl/strings/match.h"
#include "absl/strings/str_cat.h"
#include "absl/strings/str_split.h"
#include "services/common/base/grpc_status.h"
#include "services/tasks/container_spec.h"
#include "services/tasks/task_manager.h"

namespace berth::tasks {
namespace {

constexpr const char* kDefaultNetwork = "bridge";

std::unique_ptr<grpc::ClientContext> Context() {
  auto context = std::make_unique<grpc::ClientContext>();
  context->set_deadline(std::chrono::system_clock::now() + std::chrono::seconds(60));
  context->set_wait_for_ready(true);
  return context;
}

// Containers whose namespace the network service does not own have no
// networks to connect (docker's message).
absl::Status CheckConnectable(const v1::Container& container) {
  const std::string& mode = container.spec().network_mode();
  if (mode == "host" || mode == "none" || absl::StartsWith(mode, "container:")) {
    return absl::FailedPreconditionError(
        "container sharing network namespace with another container or host cannot be connected "
        "to any other network");
  }
  return absl::OkStatus();
}

}  // namespace

std::optional<std::string> UserNetworkNameServer(const berth::network::v1::Sandbox& sandbox) {
  for (int i = 0; i < sandbox.endpoints_size(); ++i) {
    // The first endpoint is on the sandbox's own network (mode); the rest
    // are connected user networks.
    if (i == 0 && (sandbox.mode() == kDefaultNetwork || sandbox.mode() == "default")) continue;
    if (!sandbox.endpoints(i).gateway().empty()) return sandbox.endpoints(i).gateway();
  }
  return std::nullopt;
}

std::string NameServerResolvConf(const std::string& host_resolv_conf, const std::string& name_server) {
  std::string resolv = "nameserver " + name_server + "\n";
  for (absl::string_view line : absl::StrSplit(host_resolv_conf, '\n', absl::SkipEmpty())) {
    if (!absl::StartsWith(line, "nameserver")) absl::StrAppend(&resolv, line, "\n");
  }
  return resolv;
}

absl::StatusOr<std::string> ContainerNetworks::HostGateway() {
  if (!host_gateway_ip_.empty()) return host_gateway_ip_;
  {
    absl::MutexLock lock(&mu_);
    if (!default_gateway_.empty()) return default_gateway_;
  }
  berth::network::v1::GetNetworkRequest request;
  request.set_id(kDefaultNetwork);
  berth::network::v1::Network network;
  grpc::Status status = networks_->Get(Context().get(), request, &network);
  if (!status.ok() || network.ipam_size() == 0 || network.ipam(0).gateway().empty()) {
    return absl::FailedPreconditionError("unable to derive the IP value for host-gateway");
  }
  // The default network keeps its subnet for the data root's life.
  absl::MutexLock lock(&mu_);
  default_gateway_ = network.ipam(0).gateway();
  return default_gateway_;
}

absl::Status ContainerNetworks::Connect(const std::string& ns,
                                        const v1::ConnectNetworkRequest& request) {
  auto container = store_->Resolve(ns, request.id());
  if (!container.ok()) return container.status();
  if (absl::Status status = CheckConnectable(*container); !status.ok()) return status;
  berth::network::v1::ConnectRequest connect;
  connect.set_network(request.network());
  connect.set_container_id(container->id());
  connect.set_container_name(container->name());
  *connect.mutable_aliases() = request.aliases();
  connect.set_ipv4_address(request.ipv4_address());
  berth::network::v1::ConnectResponse connected;
  if (grpc::Status status = networks_->Connect(Context().get(), connect, &connected); !status.ok()) {
    return FromGrpcStatus(status);
  }
  return RefreshResolvConf(*container);
}

absl::Status ContainerNetworks::Disconnect(const std::string& ns,
                                           const v1::DisconnectNetworkRequest& request) {
  auto container = store_->Resolve(ns, request.id());
  if (!container.ok()) return container.status();
  berth::network::v1::DisconnectRequest disconnect;
  disconnect.set_network(request.network());
  disconnect.set_container_id(container->id());
  disconnect.set_force(request.force());
  berth::network::v1::DisconnectResponse disconnected;
  if (grpc::Status status = networks_->Disconnect(Context().get(), disconnect, &disconnected);
      !status.ok()) {
    return FromGrpcStatus(status);
  }
  return RefreshResolvConf(*container);
}

absl::Status ContainerNetworks::Rename(const std::string& id, const std::string& name) {
  berth::network::v1::RenameEndpointsRequest request;
  request.set_container_id(id);
  request.set_container_name(name);
  berth::network::v1::RenameEndpointsResponse response;
  return FromGrpcStatus(networks_->RenameEndpoints(Context().get(), request, &response));
}

absl::Status ContainerNetworks::RefreshResolvConf(const v1::Container& container) {
  // A stopped container gets its name server at its next start; --dns
  // stays what was asked for, as docker keeps it.
  if (!IsRunning(container) || container.spec().dns_size() > 0) return absl::OkStatus();
  berth::network::v1::GetSandboxRequest request;
  request.set_container_id(container.id());
  berth::network::v1::Sandbox sandbox;
  if (grpc::Status status = networks_->GetSandbox(Context().get(), request, &sandbox); !status.ok()) {
    return FromGrpcStatus(status);
  }
  std::string resolv = MakeHostFiles(container.spec()).resolv_conf;
  if (auto name_server = UserNetworkNameServer(sandbox)) {
    resolv = NameServerResolvConf(resolv, *name_server);
  }
  // Rewritten in place: the container has this file bind-mounted.
  std::ofstream out(container.resolv_conf_path(), std::ios::trunc);
  out << resolv;
  out.close();
  if (!out) return absl::InternalError("write " + container.resolv_conf_path());
  return absl::OkStatus();
}

}  // namespace berth::tasks
