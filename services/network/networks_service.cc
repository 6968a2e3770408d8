#include "services/network/networks_service.h"

#include <algorithm>

#include "absl/strings/match.h"
#include "absl/time/clock.h"
#include "services/common/base/grpc_status.h"
#include "services/network/network_filters.h"

namespace berth::network {

grpc::Status NetworksService::List(grpc::ServerContext*, const v1::ListNetworksRequest* request,
                                   v1::ListNetworksResponse* response) {
  if (absl::Status valid = CheckListFilters(request->filters()); !valid.ok()) {
    return ToGrpcStatus(valid);
  }
  auto statement = db_->Prepare("SELECT spec FROM networks ORDER BY name");
  if (!statement.ok()) return ToGrpcStatus(statement.status());
  while (true) {
    auto row = statement->Step();
    if (!row.ok()) return ToGrpcStatus(row.status());
    if (!*row) break;
    if (!response->add_networks()->ParseFromString(statement->ColumnBlob(0))) {
      return grpc::Status(grpc::StatusCode::DATA_LOSS, "unreadable network record");
    }
  }
  // The containers attached now, from the sandboxes.
  auto sandboxes = db_->Prepare("SELECT spec FROM sandboxes");
  if (!sandboxes.ok()) return ToGrpcStatus(sandboxes.status());
  while (true) {
    auto row = sandboxes->Step();
    if (!row.ok()) return ToGrpcStatus(row.status());
    if (!*row) break;
    v1::Sandbox sandbox;
    if (!sandbox.ParseFromString(sandboxes->ColumnBlob(0))) continue;
    for (const auto& endpoint : sandbox.endpoints()) {
      for (auto& network : *response->mutable_networks()) {
        if (network.id() == endpoint.network_id()) {
          (*network.mutable_containers())[endpoint.container_id()] = endpoint;
        }
      }
    }
  }
  // Filtered last: dangling= looks at the attached containers.
  if (request->filters_size() > 0) {
    auto* networks = response->mutable_networks();
    networks->erase(std::remove_if(networks->begin(), networks->end(),
                                   [&](const v1::Network& network) {
                                     return !ListFilterMatches(network, request->filters());
                                   }),
                    networks->end());
  }
  return grpc::Status::OK;
}

grpc::Status NetworksService::Get(grpc::ServerContext* context, const v1::GetNetworkRequest* request,
                                  v1::Network* response) {
  auto found = sandboxes_->FindNetwork(request->id());
  if (!found.ok()) return ToGrpcStatus(found.status());
  // From the list, which carries the attached containers.
  v1::ListNetworksRequest list;
  v1::ListNetworksResponse all;
  if (grpc::Status status = List(context, &list, &all); !status.ok()) return status;
  for (const auto& network : all.networks()) {
    if (network.id() == found->id()) {
      *response = network;
      return grpc::Status::OK;
    }
  }
  return grpc::Status(grpc::StatusCode::NOT_FOUND, "network " + request->id() + " not found");
}

grpc::Status NetworksService::Create(grpc::ServerContext*, const v1::CreateNetworkRequest* request,
                                     v1::CreateNetworkResponse* response) {
  auto network = sandboxes_->CreateNetwork(*request);
  if (!network.ok()) return ToGrpcStatus(network.status());
  response->set_id(network->id());
  PublishEvent("create", *network);
  return grpc::Status::OK;
}

grpc::Status NetworksService::Remove(grpc::ServerContext*, const v1::RemoveNetworkRequest* request,
                                     v1::RemoveNetworkResponse*) {
  auto network = sandboxes_->FindNetwork(request->id());
  absl::Status removed = sandboxes_->RemoveNetwork(request->id());
  if (removed.ok() && network.ok()) PublishEvent("destroy", *network);
  return ToGrpcStatus(removed);
}

grpc::Status NetworksService::Prune(grpc::ServerContext* context,
                                    const v1::PruneNetworksRequest* request,
                                    v1::PruneNetworksResponse* response) {
  auto filter = ParsePruneFilters(request->filters(), absl::Now());
  if (!filter.ok()) return ToGrpcStatus(filter.status());
  v1::ListNetworksRequest list;
  v1::ListNetworksResponse all;
  if (grpc::Status status = List(context, &list, &all); !status.ok()) return status;
  for (const auto& network : all.networks()) {
    if (IsPredefinedNetwork(network.name()) || !network.containers().empty()) continue;
    if (!PruneFilterMatches(network, *filter)) continue;
    if (sandboxes_->RemoveNetwork(network.id()).ok()) {
      response->add_deleted(network.name());
      PublishEvent("destroy", network);
    }
  }
  return grpc::Status::OK;
}

grpc::Status NetworksService::CreateSandbox(grpc::ServerContext*,
                                            const v1::CreateSandboxRequest* request,
                                            v1::Sandbox* response) {
  auto sandbox = sandboxes_->Create(*request);
  if (!sandbox.ok()) return ToGrpcStatus(sandbox.status());
  *response = *sandbox;
  for (const auto& endpoint : sandbox->endpoints()) PublishEndpointEvent("connect", endpoint);
  return grpc::Status::OK;
}

grpc::Status NetworksService::RemoveSandbox(grpc::ServerContext*,
                                            const v1::RemoveSandboxRequest* request,
                                            v1::RemoveSandboxResponse*) {
  // The endpoints it had, for their disconnect events (none when a newer
  // start's sandbox stays).
  auto before = sandboxes_->Get(request->container_id());
  bool ours = before.ok() && (request->endpoint_id().empty() || before->endpoints().empty() ||
                              before->endpoints(0).endpoint_id() == request->endpoint_id());
  absl::Status removed = sandboxes_->Remove(request->container_id(), request->endpoint_id(),
                                            request->container_removed());
  if (removed.ok() && ours) {
    for (const auto& endpoint : before->endpoints()) PublishEndpointEvent("disconnect", endpoint);
  }
  return ToGrpcStatus(removed);
}

grpc::Status NetworksService::Connect(grpc::ServerContext*, const v1::ConnectRequest* request,
                                      v1::ConnectResponse* response) {
  auto endpoint = sandboxes_->Connect(*request);
  if (!endpoint.ok()) return ToGrpcStatus(endpoint.status());
  // A stopped container is connected at its next start (that event then).
  if (!endpoint->endpoint_id().empty()) PublishEndpointEvent("connect", *endpoint);
  *response->mutable_endpoint() = *std::move(endpoint);
  return grpc::Status::OK;
}

grpc::Status NetworksService::Disconnect(grpc::ServerContext*, const v1::DisconnectRequest* request,
                                         v1::DisconnectResponse*) {
  auto network = sandboxes_->FindNetwork(request->network());
  absl::Status disconnected = sandboxes_->Disconnect(*request);
  if (disconnected.ok() && network.ok()) {
    PublishEvent("disconnect", *network, request->container_id());
  }
  return ToGrpcStatus(disconnected);
}

grpc::Status NetworksService::RenameEndpoints(grpc::ServerContext*,
                                              const v1::RenameEndpointsRequest* request,
                                              v1::RenameEndpointsResponse*) {
  return ToGrpcStatus(sandboxes_->RenameEndpoints(request->container_id(), request->container_name()));
}

grpc::Status NetworksService::ListSandboxes(grpc::ServerContext*, const v1::ListSandboxesRequest*,
                                            v1::ListSandboxesResponse* response) {
  auto statement = db_->Prepare("SELECT spec FROM sandboxes");
  if (!statement.ok()) return ToGrpcStatus(statement.status());
  while (true) {
    auto row = statement->Step();
    if (!row.ok()) return ToGrpcStatus(row.status());
    if (!*row) break;
    if (!response->add_sandboxes()->ParseFromString(statement->ColumnBlob(0))) {
      return grpc::Status(grpc::StatusCode::DATA_LOSS, "unreadable sandbox record");
    }
  }
  return grpc::Status::OK;
}

grpc::Status NetworksService::GetSandbox(grpc::ServerContext*, const v1::GetSandboxRequest* request,
                                         v1::Sandbox* response) {
  auto sandbox = sandboxes_->Get(request->container_id());
  if (!sandbox.ok()) return ToGrpcStatus(sandbox.status());
  *response = *sandbox;
  return grpc::Status::OK;
}

}  // namespace berth::network
