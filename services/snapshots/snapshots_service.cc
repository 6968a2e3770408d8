#include "services/snapshots/snapshots_service.h"

#include "services/common/base/grpc_status.h"

namespace berth::snapshots {

grpc::Status SnapshotsService::List(grpc::ServerContext*,
                                    const berth::snapshots::v1::ListRequest* request,
                                    berth::snapshots::v1::ListResponse* response) {
  if (request->filters_size() > 0) {
    return grpc::Status(grpc::StatusCode::UNIMPLEMENTED, "snapshot list filters");
  }
  auto statement = db_->Prepare(
      "SELECT key, parent, kind, created_at, updated_at FROM snapshots ORDER BY id");
  if (!statement.ok()) return ToGrpcStatus(statement.status());
  while (true) {
    auto row = statement->Step();
    if (!row.ok()) return ToGrpcStatus(row.status());
    if (!*row) break;
    auto* info = response->add_info();
    info->set_name(statement->ColumnText(0));
    info->set_parent(statement->ColumnText(1));
    info->set_kind(static_cast<berth::snapshots::v1::Kind>(statement->ColumnInt64(2)));
    info->mutable_created_at()->set_seconds(statement->ColumnInt64(3));
    info->mutable_updated_at()->set_seconds(statement->ColumnInt64(4));
  }
  return grpc::Status::OK;
}

}  // namespace berth::snapshots
