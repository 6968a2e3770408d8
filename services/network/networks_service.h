#ifndef BERTH_SERVICES_NETWORK_NETWORKS_SERVICE_H_
#define BERTH_SERVICES_NETWORK_NETWORKS_SERVICE_H_

// berth.network.v1.Networks. Listing reads the network records; bridge
// networks, sandboxes and CNI plumbing arrive with the networking issue and
// answer UNIMPLEMENTED until then.

#include "berth/network/v1/network.grpc.pb.h"
#include "services/common/store/database.h"

namespace berth::network {

class NetworksService final : public berth::network::v1::Networks::Service {
 public:
  explicit NetworksService(store::Database* db) : db_(db) {}

  grpc::Status List(grpc::ServerContext* context,
                    const berth::network::v1::ListNetworksRequest* request,
                    berth::network::v1::ListNetworksResponse* response) override;

 private:
  store::Database* db_;
};

}  // namespace berth::network

#endif  // BERTH_SERVICES_NETWORK_NETWORKS_SERVICE_H_
