#ifndef BERTH_SERVICES_NETWORK_NETWORKS_SERVICE_H_
#define BERTH_SERVICES_NETWORK_NETWORKS_SERVICE_H_

// berth.network.v1.Networks: the networks (the default bridge today) and
// the sandboxes the tasks service asks for when containers start and
// stop. User networks (create/rm/connect) arrive later and answer
// UNIMPLEMENTED until then.

#include "berth/network/v1/network.grpc.pb.h"
#include "services/common/events/event_hub.h"
#include "services/common/store/database.h"
#include "services/network/sandboxes.h"

namespace berth::network {

class NetworksService final : public berth::network::v1::Networks::Service {
 public:
  NetworksService(store::Database* db, Sandboxes* sandboxes) : db_(db), sandboxes_(sandboxes) {}

  grpc::Status List(grpc::ServerContext* context, const v1::ListNetworksRequest* request,
                    v1::ListNetworksResponse* response) override;
  grpc::Status Get(grpc::ServerContext* context, const v1::GetNetworkRequest* request,
                   v1::Network* response) override;
  grpc::Status Create(grpc::ServerContext* context, const v1::CreateNetworkRequest* request,
                      v1::CreateNetworkResponse* response) override;
  grpc::Status Remove(grpc::ServerContext* context, const v1::RemoveNetworkRequest* request,
                      v1::RemoveNetworkResponse* response) override;
  grpc::Status Prune(grpc::ServerContext* context, const v1::PruneNetworksRequest* request,
                     v1::PruneNetworksResponse* response) override;
  grpc::Status Connect(grpc::ServerContext*, const v1::ConnectRequest* request,
                       v1::ConnectResponse* response) override;
  grpc::Status Disconnect(grpc::ServerContext*, const v1::DisconnectRequest* request,
                          v1::DisconnectResponse*) override;
  grpc::Status RenameEndpoints(grpc::ServerContext*, const v1::RenameEndpointsRequest* request,
                               v1::RenameEndpointsResponse*) override;
  grpc::Status CreateSandbox(grpc::ServerContext* context, const v1::CreateSandboxRequest* request,
                             v1::Sandbox* response) override;
  grpc::Status RemoveSandbox(grpc::ServerContext* context, const v1::RemoveSandboxRequest* request,
                             v1::RemoveSandboxResponse* response) override;
  grpc::Status ListSandboxes(grpc::ServerContext* context, const v1::ListSandboxesRequest* request,
                             v1::ListSandboxesResponse* response) override;
  grpc::Status GetSandbox(grpc::ServerContext* context, const v1::GetSandboxRequest* request,
                          v1::Sandbox* response) override;
  grpc::Status Subscribe(grpc::ServerContext* context, const v1::SubscribeRequest* request,
                         grpc::ServerWriter<berth::types::v1::Envelope>* writer) override;

 private:
  // docker's network events (network_events.cc): create and destroy;
  // connect and disconnect name the container.
  void PublishEvent(const std::string& action, const v1::Network& network,
                    const std::string& container_id = "");
  void PublishEndpointEvent(const std::string& action, const v1::Endpoint& endpoint);

  store::Database* db_;
  Sandboxes* sandboxes_;
  events::EventHub events_{"network"};
};

}  // namespace berth::network

#endif  // BERTH_SERVICES_NETWORK_NETWORKS_SERVICE_H_
