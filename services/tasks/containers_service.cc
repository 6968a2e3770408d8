#include "services/tasks/containers_service.h"

#include "services/common/base/grpc_status.h"

namespace berth::tasks {

grpc::Status ContainersService::List(grpc::ServerContext*,
                                     const berth::tasks::v1::ListContainersRequest* request,
                                     berth::tasks::v1::ListContainersResponse* response) {
  if (request->filters_size() > 0) {
    return grpc::Status(grpc::StatusCode::UNIMPLEMENTED, "container list filters");
  }
  auto statement = db_->Prepare(
      "SELECT c.id, c.name, c.image_id, c.spec, c.created_at, "
      "       coalesce(s.status, 1), coalesce(s.pid, 0), coalesce(s.exit_code, 0) "
      "FROM containers c LEFT JOIN task_state s ON s.container_id = c.id "
      "ORDER BY c.created_at DESC");
  if (!statement.ok()) return ToGrpcStatus(statement.status());
  while (true) {
    auto row = statement->Step();
    if (!row.ok()) return ToGrpcStatus(row.status());
    if (!*row) break;
    auto status = static_cast<berth::tasks::v1::Status>(statement->ColumnInt64(5));
    bool running = status == berth::tasks::v1::RUNNING || status == berth::tasks::v1::PAUSED ||
                   status == berth::tasks::v1::RESTARTING;
    if (!request->all() && !running) continue;
    auto* container = response->add_containers();
    container->set_id(statement->ColumnText(0));
    container->set_name(statement->ColumnText(1));
    container->set_image_id(statement->ColumnText(2));
    if (!container->mutable_spec()->ParseFromString(statement->ColumnBlob(3))) {
      return grpc::Status(grpc::StatusCode::DATA_LOSS,
                          "container " + container->id() + ": unreadable spec record");
    }
    container->mutable_created_at()->set_seconds(statement->ColumnInt64(4));
    container->mutable_state()->set_status(status);
    container->mutable_state()->set_pid(static_cast<int32_t>(statement->ColumnInt64(6)));
    container->mutable_state()->set_exit_code(static_cast<int32_t>(statement->ColumnInt64(7)));
    if (request->limit() > 0 && response->containers_size() >= request->limit()) break;
  }
  return grpc::Status::OK;
}

}  // namespace berth::tasks
