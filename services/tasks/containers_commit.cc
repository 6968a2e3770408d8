// commit: the container's writable layer, as the snapshots service diffs
// it (init files and mount points left out), becomes a new layer over its
// image. The layer is kept in a file of ours until it is complete and its
// digest known, then streamed to the images service, which verifies and
// stores it and makes the image: this service never writes images' files.

#include <fcntl.h>
#include <unistd.h>

#include <optional>
#include <vector>

#include "absl/cleanup/cleanup.h"
#include "absl/strings/str_cat.h"
#include "services/common/base/grpc_status.h"
#include "services/common/namespaces/namespace.h"
#include "services/common/base/unique_fd.h"
#include "services/common/fs/fs_util.h"
#include "services/tasks/commit_config.h"
#include "services/tasks/containers_service.h"
#include "services/tasks/task_manager.h"
#include "services/common/base/write_all.h"

namespace berth::tasks {
namespace {

struct Layer {
  berth::types::v1::Descriptor descriptor;
  std::string diff_id;
};

// The snapshot's diff into fd.
absl::StatusOr<Layer> DiffInto(berth::snapshots::v1::Snapshots::StubInterface* snapshots,
                               const v1::Container& container, int fd) {
  berth::snapshots::v1::DiffRequest request;
  request.set_key(container.snapshot_key());
  request.set_compression("gzip");
  for (const std::string& path : CommitExcludes(container)) request.add_exclude(path);
  grpc::ClientContext context;
  auto reader = snapshots->Diff(&context, request);
  berth::snapshots::v1::DiffResponse message;
  std::optional<Layer> layer;
  absl::Status written;
  while (reader->Read(&message)) {
    if (message.has_result()) {
      layer = Layer{message.result().layer(), message.result().diff_id()};
    } else if (written.ok()) {
      written = WriteAll(fd, message.data(), "the layer");
      if (!written.ok()) context.TryCancel();
    }
  }
  grpc::Status status = reader->Finish();
  if (!written.ok()) return written;
  if (!status.ok()) {
    return absl::Status(static_cast<absl::StatusCode>(status.error_code()),
                        absl::StrCat("diff snapshot ", container.snapshot_key(), ": ",
                                     status.error_message()));
  }
  if (!layer) return absl::InternalError("diff snapshot " + container.snapshot_key() + ": no result");
  return *layer;
}

// The layer file to the images service's content store.
absl::Status Upload(berth::images::v1::Images::StubInterface* images, const Layer& layer,
                    const std::string& lease, int fd) {
  if (::lseek(fd, 0, SEEK_SET) != 0) return absl::ErrnoToStatus(errno, "rewind the layer");
  grpc::ClientContext context;
  berth::images::v1::WriteContentResponse response;
  auto writer = images->WriteContent(&context, &response);
  berth::images::v1::WriteContentRequest header;
  *header.mutable_header()->mutable_expected() = layer.descriptor;
  header.mutable_header()->set_lease(lease);
  bool open = writer->Write(header);
  std::vector<char> buffer(1 << 20);
  absl::Status read_status;
  while (open) {
    ssize_t n = ::read(fd, buffer.data(), buffer.size());
    if (n < 0 && errno == EINTR) continue;
    if (n < 0) {
      read_status = absl::ErrnoToStatus(errno, "read the layer");
      context.TryCancel();
      break;
    }
    if (n == 0) break;
    berth::images::v1::WriteContentRequest data;
    data.set_data(buffer.data(), static_cast<size_t>(n));
    open = writer->Write(data);
  }
  writer->WritesDone();
  grpc::Status status = writer->Finish();
  if (!read_status.ok()) return read_status;
  if (!status.ok()) {
    return absl::Status(static_cast<absl::StatusCode>(status.error_code()),
                        "store the layer: " + status.error_message());
  }
  return absl::OkStatus();
}

}  // namespace

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

  if (absl::Status made = fs::MakeDirectories(files_.scratch_dir, 0700); !made.ok()) {
    return ToGrpcStatus(made, what);
  }
  std::string path = absl::StrCat(files_.scratch_dir, "/commit-", fs::RandomHex(8), ".tar.gz");
  UniqueFd fd(::open(path.c_str(), O_RDWR | O_CREAT | O_EXCL | O_CLOEXEC, 0600));
  if (!fd.valid()) return ToGrpcStatus(absl::ErrnoToStatus(errno, what + ": create " + path));
  // Only our descriptor keeps the file: nothing is left behind on failure.
  ::unlink(path.c_str());
  auto layer = DiffInto(files_.snapshots.get(), *container, fd.get());
  resume();
  if (!layer.ok()) return ToGrpcStatus(layer.status(), what);
  berth::images::v1::CreateImageRequest create;
  create.set_ref(request->ref());
  create.set_parent(container->image_id());
  *create.add_layers() = layer->descriptor;
  create.add_diff_ids(layer->diff_id);
  create.set_config_json(CommitConfigJson(*container));
  create.set_comment(request->comment());
  create.set_author(request->author());
  create.set_created_by(CommitCreatedBy(*container));
  for (const std::string& change : request->changes()) create.add_changes(change);
  berth::images::v1::CreateImageResponse created;
  // The blob is nobody's until Create names it: a lease holds it against an
  // image prune in between (it expires if we die before deleting it).
  berth::images::v1::Lease lease;
  {
    berth::images::v1::CreateLeaseRequest request;
    request.set_expire_seconds(3600);
    grpc::ClientContext context;
    grpc::Status status = files_.images->CreateLease(&context, request, &lease);
    if (!status.ok()) return grpc::Status(status.error_code(), what + ": lease: " + status.error_message());
  }
  absl::Cleanup release_lease = [&] {
    berth::images::v1::DeleteLeaseRequest request;
    request.set_id(lease.id());
    berth::images::v1::DeleteLeaseResponse deleted;
    grpc::ClientContext context;
    (void)files_.images->DeleteLease(&context, request, &deleted);
  };
  if (absl::Status uploaded = Upload(files_.images.get(), *layer, lease.id(), fd.get()); !uploaded.ok()) {
    return ToGrpcStatus(uploaded, what);
  }
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
