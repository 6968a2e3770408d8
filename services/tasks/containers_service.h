#ifndef BERTH_SERVICES_TASKS_CONTAINERS_SERVICE_H_
#define BERTH_SERVICES_TASKS_CONTAINERS_SERVICE_H_

// berth.tasks.v1.Containers. Listing and lookup read the container records;
// create, start and the rest of the lifecycle arrive with the containers
// issue and answer UNIMPLEMENTED until then.

#include "berth/tasks/v1/tasks.grpc.pb.h"
#include "services/common/store/database.h"

namespace berth::tasks {

class ContainersService final : public berth::tasks::v1::Containers::Service {
 public:
  explicit ContainersService(store::Database* db) : db_(db) {}

  grpc::Status List(grpc::ServerContext* context,
                    const berth::tasks::v1::ListContainersRequest* request,
                    berth::tasks::v1::ListContainersResponse* response) override;

 private:
  store::Database* db_;
};

}  // namespace berth::tasks

#endif  // BERTH_SERVICES_TASKS_CONTAINERS_SERVICE_H_
