// docker diff: the snapshots service lists what the container's writable
// layer added, changed and deleted, leaving out what commit leaves out
// (the init files berth writes, the mount points of /dev, /proc, /sys and
// of volumes: docker keeps these in its init layer, never shown).

#include "services/common/base/grpc_status.h"
#include "services/common/namespaces/namespace.h"
#include "services/tasks/commit_config.h"
#include "services/tasks/containers_service.h"

namespace berth::tasks {

grpc::Status ContainersService::Changes(grpc::ServerContext* context,
                                        const v1::ContainerChangesRequest* request,
                                        v1::ContainerChangesResponse* response) {
  auto ns = namespaces::NamespaceOf(*context);
  if (!ns.ok()) return ToGrpcStatus(ns.status());
  auto container = store_->Resolve(*ns, request->id());
  if (!container.ok()) return ToGrpcStatus(container.status());
  if (!files_.snapshots) {
    return grpc::Status(grpc::StatusCode::UNIMPLEMENTED, "changes: no snapshots service");
  }
  berth::snapshots::v1::ChangesRequest changes;
  changes.set_key(container->snapshot_key());
  for (const std::string& path : CommitExcludes(*container)) changes.add_exclude(path);
  berth::snapshots::v1::ChangesResponse listed;
  grpc::ClientContext call;
  call.set_deadline(std::chrono::system_clock::now() + std::chrono::minutes(5));
  grpc::Status status = files_.snapshots->Changes(&call, changes, &listed);
  if (!status.ok()) {
    return grpc::Status(status.error_code(), "changes of " + container->id().substr(0, 12) +
                                                 ": " + status.error_message());
  }
  *response->mutable_changes() = std::move(*listed.mutable_changes());
  return grpc::Status::OK;
}

}  // namespace berth::tasks
