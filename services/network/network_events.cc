// Networks' events as dockerd logs them (LogNetworkEventWithAttributes):
// Actor.ID the network's id, with its name and type (driver); connect and
// disconnect, made by `network connect` or a container's start and stop,
// add the container.

#include "services/common/events/actor_stream.h"
#include "services/network/networks_service.h"

namespace berth::network {

void NetworksService::PublishEvent(const std::string& action, const v1::Network& network,
                                   const std::string& container_id) {
  v1::NetworkEvent event;
  event.set_id(network.id());
  event.set_action(action);
  auto& attributes = *event.mutable_attributes();
  attributes["name"] = network.name();
  attributes["type"] = network.driver().empty() ? "bridge" : network.driver();
  if (!container_id.empty()) attributes["container"] = container_id;
  events_.Publish("/networks/" + action, event);
}

void NetworksService::PublishEndpointEvent(const std::string& action, const v1::Endpoint& endpoint) {
  auto network = sandboxes_->FindNetwork(endpoint.network_id());
  if (network.ok()) PublishEvent(action, *network, endpoint.container_id());
}

grpc::Status NetworksService::Subscribe(grpc::ServerContext* context,
                                        const v1::SubscribeRequest* request,
                                        grpc::ServerWriter<berth::types::v1::Envelope>* writer) {
  events::StreamActorEvents<v1::NetworkEvent>(events_, "network", *request, *context, *writer);
  return grpc::Status::OK;
}

}  // namespace berth::network
