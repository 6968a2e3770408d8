#include "services/tasks/containers_service.h"

namespace berth::tasks {

grpc::Status ContainersService::Commit(grpc::ServerContext*, const v1::CommitContainerRequest*,
                                       v1::CommitContainerResponse*) {
  return grpc::Status(grpc::StatusCode::UNIMPLEMENTED, "commit is not supported yet");
}

}  // namespace berth::tasks
