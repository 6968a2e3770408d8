// commit: the container's writable layer, as the snapshots service diffs
// it (init files and mount points left out), becomes a new layer over its
// image (services/common/layers): the images service verifies and stores
// it and makes the image; this service never writes images' files.

#include "absl/cleanup/cleanup.h"
#include "absl/strings/str_cat.h"
#include "services/common/base/grpc_status.h"
#include "services/common/namespaces/namespace.h"
#include "services/common/layers/layer_upload.h"
#include "services/tasks/commit_config.h"
#include "services/tasks/containers_service.h"
#include "services/tasks/task_manager.h"

namespace berth::tasks {

grpc::Status ContainersService::Commit(grpc::ServerContext* context,
                                       const v1::CommitContainerRequest* request,
                                       v1::CommitContainerResponse* response) {
  auto ns = namespaces::NamespaceOf(*context);
  if (!ns.ok()) return ToGrpcStatus(ns.status());
  auto container = store_->Resolve(*ns, request->id());
  if (!container.ok()) return ToGrpcStatus(container.status());
  if (!files_.snapshots || !files_.images) {
    return grpc::Status(grpc::StatusCode::UNIMPLEMENTED, "commit: no snapshots or images service");
  }
  std::string what = absl::StrCat("commit ", container->id().substr(0, 12));

  // docker commit --pause (the default): the container is frozen while its
  // changes are read, so the layer is one moment's state.
  bool paused = false;
  if (request->pause() && container->state().status() == v1::RUNNING) {
    if (absl::Status status = tasks_->Pause(*ns, container->id()); !status.ok()) {
      return ToGrpcStatus(status, what + ": pause");
    }
    paused = true;
  }
  auto resume = [&] {
    if (paused) {
      paused = false;
      (void)tasks_->Resume(*ns, container->id());
    }
  };
  absl::Cleanup resume_on_exit = resume;

  // The blob is nobody's until Create names it: a lease holds it against an
  // image prune in between.
  auto lease = layers::ContentLease::Create(files_.images.get());
  if (!lease.ok()) return ToGrpcStatus(lease.status(), what);
  auto layer = layers::UploadSnapshotDiff(files_.snapshots.get(), files_.images.get(),
                                          container->snapshot_key(), CommitExcludes(*container),
                                          files_.scratch_dir, lease->id());
  resume();
  if (!layer.ok()) return ToGrpcStatus(layer.status(), what);
  berth::images::v1::CreateImageRequest create;
  create.set_ref(request->ref());
  create.set_parent(container->image_id());
  *create.add_layers() = layer->descriptor;
  create.add_diff_ids(layer->diff_id);
  // A build step gives the config and history text it records.
  create.set_config_json(request->config_json().empty() ? CommitConfigJson(*container)
                                                         : request->config_json());
  create.set_comment(request->comment());
  create.set_author(request->author());
  create.set_created_by(request->created_by().empty() ? CommitCreatedBy(*container)
                                                      : request->created_by());
  for (const std::string& change : request->changes()) create.add_changes(change);
  berth::images::v1::CreateImageResponse created;
  {
    // The image is named in the container's namespace.
    grpc::ClientContext call;
    namespaces::SetNamespace(call, *ns);
    grpc::Status status = files_.images->Create(&call, create, &created);
    if (!status.ok()) return grpc::Status(status.error_code(), what + ": " + status.error_message());
  }
  response->set_image_id(created.image().id());
  if (files_.events != nullptr) {
    // docker's "commit" event: the container's, naming the new image.
    v1::ContainerEvent event;
    event.set_id(container->id());
    event.set_name(container->name());
    event.set_image(container->spec().image());
    event.set_action("commit");
    auto& attributes = *event.mutable_attributes();
    attributes["name"] = container->name();
    attributes["image"] = container->spec().image();
    attributes["imageID"] = created.image().id();
    attributes["imageRef"] = request->ref();
    attributes["comment"] = request->comment();
    files_.events->Publish(std::move(event), *ns);
  }
  return grpc::Status::OK;
}

}  // namespace berth::tasks
