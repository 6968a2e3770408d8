#ifndef BERTH_SERVICES_TASKS_CONTAINERS_SERVICE_H_
#define BERTH_SERVICES_TASKS_CONTAINERS_SERVICE_H_

// berth.tasks.v1.Containers: the container records (create, inspect, list
// with docker's filters, update, rename, remove, prune).

#include "berth/tasks/v1/tasks.grpc.pb.h"
#include "services/tasks/container_factory.h"
#include "services/tasks/container_store.h"
#include "services/tasks/task_manager.h"

namespace berth::tasks {

class ContainersService final : public v1::Containers::Service {
 public:
  ContainersService(ContainerStore* store, ContainerFactory* factory, TaskManager* tasks)
      : store_(store), factory_(factory), tasks_(tasks) {}

  grpc::Status Create(grpc::ServerContext*, const v1::CreateContainerRequest* request,
                      v1::CreateContainerResponse* response) override;
  grpc::Status Get(grpc::ServerContext*, const v1::GetContainerRequest* request,
                   v1::Container* response) override;
  grpc::Status List(grpc::ServerContext*, const v1::ListContainersRequest* request,
                    v1::ListContainersResponse* response) override;
  grpc::Status Update(grpc::ServerContext*, const v1::UpdateContainerRequest* request,
                      v1::UpdateContainerResponse* response) override;
  grpc::Status Rename(grpc::ServerContext*, const v1::RenameContainerRequest* request,
                      v1::RenameContainerResponse* response) override;
  grpc::Status Delete(grpc::ServerContext*, const v1::DeleteContainerRequest* request,
                      v1::DeleteContainerResponse* response) override;
  grpc::Status Prune(grpc::ServerContext*, const v1::PruneContainersRequest* request,
                     v1::PruneContainersResponse* response) override;

 private:
  ContainerStore* store_;
  ContainerFactory* factory_;
  TaskManager* tasks_;
};

// docker ps filters: status, name, label, ancestor, id, exited.
absl::StatusOr<bool> ContainerMatches(
    const v1::Container& container,
    const google::protobuf::Map<std::string, v1::FilterValues>& filters);

}  // namespace berth::tasks

#endif  // BERTH_SERVICES_TASKS_CONTAINERS_SERVICE_H_
