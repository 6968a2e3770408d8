#ifndef BERTH_SERVICES_TASKS_CONTAINERS_SERVICE_H_
#define BERTH_SERVICES_TASKS_CONTAINERS_SERVICE_H_

// berth.tasks.v1.Containers: the container records (create, inspect, list
// with docker's filters, update, rename, remove, prune).

#include "berth/images/v1/images.grpc.pb.h"
#include "berth/snapshots/v1/snapshots.grpc.pb.h"
#include "berth/tasks/v1/tasks.grpc.pb.h"
#include "services/tasks/container_factory.h"
#include "services/tasks/container_networks.h"
#include "services/tasks/container_store.h"
#include "services/tasks/events.h"
#include "services/tasks/task_manager.h"

namespace berth::tasks {

// What cp, export and commit need besides the records (containers_files.cc,
// containers_commit.cc).
struct ContainerFilesDeps {
  std::shared_ptr<berth::snapshots::v1::Snapshots::StubInterface> snapshots;
  std::shared_ptr<berth::images::v1::Images::StubInterface> images;
  // Where stopped containers' filesystems are mounted for a call, and
  // where commit keeps a layer until the images service has it.
  std::string scratch_dir;
  // commit's container event.
  EventBroker* events = nullptr;
};

class ContainersService final : public v1::Containers::Service {
 public:
  ContainersService(ContainerStore* store, ContainerFactory* factory, TaskManager* tasks,
                    ContainerNetworks* networks, ContainerFilesDeps files = {})
      : store_(store), factory_(factory), tasks_(tasks), networks_(networks), files_(std::move(files)) {}

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
  grpc::Status ConnectNetwork(grpc::ServerContext*, const v1::ConnectNetworkRequest* request,
                              v1::ConnectNetworkResponse* response) override;
  grpc::Status DisconnectNetwork(grpc::ServerContext*, const v1::DisconnectNetworkRequest* request,
                                 v1::DisconnectNetworkResponse* response) override;
  grpc::Status Delete(grpc::ServerContext*, const v1::DeleteContainerRequest* request,
                      v1::DeleteContainerResponse* response) override;
  grpc::Status Prune(grpc::ServerContext*, const v1::PruneContainersRequest* request,
                     v1::PruneContainersResponse* response) override;
  grpc::Status Export(grpc::ServerContext*, const v1::ExportContainerRequest* request,
                      grpc::ServerWriter<berth::types::v1::DataChunk>* writer) override;
  grpc::Status CopyFrom(grpc::ServerContext*, const v1::CopyFromRequest* request,
                        grpc::ServerWriter<v1::CopyFromResponse>* writer) override;
  grpc::Status CopyTo(grpc::ServerContext*, grpc::ServerReader<v1::CopyToRequest>* reader,
                      v1::CopyToResponse* response) override;
  grpc::Status Commit(grpc::ServerContext*, const v1::CommitContainerRequest* request,
                      v1::CommitContainerResponse* response) override;
  grpc::Status Changes(grpc::ServerContext*, const v1::ContainerChangesRequest* request,
                       v1::ContainerChangesResponse* response) override;

 private:
  // The container's snapshot mounts, from the snapshots service.
  absl::StatusOr<std::vector<berth::types::v1::Mount>> SnapshotMounts(const v1::Container& container);

  ContainerStore* store_;
  ContainerFactory* factory_;
  TaskManager* tasks_;
  ContainerNetworks* networks_;
  ContainerFilesDeps files_;
};

// docker ps filters: status, name, label, ancestor, id, exited.
absl::StatusOr<bool> ContainerMatches(
    const v1::Container& container,
    const google::protobuf::Map<std::string, v1::FilterValues>& filters);

}  // namespace berth::tasks

#endif  // BERTH_SERVICES_TASKS_CONTAINERS_SERVICE_H_
