#include "services/network/networks_service.h"

#include "services/common/base/grpc_status.h"

namespace berth::network {

grpc::Status NetworksService::List(grpc::ServerContext*,
                                   const berth::network::v1::ListNetworksRequest* request,
                                   berth::network::v1::ListNetworksResponse* response) {
  if (request->filters_size() > 0) {
    return grpc::Status(grpc::StatusCode::UNIMPLEMENTED, "network list filters");
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
  return grpc::Status::OK;
}

}  // namespace berth::network
