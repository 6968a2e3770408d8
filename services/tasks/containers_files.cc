// cp and export: a container's files as a tar stream, and a tar stream
// into a container. The files are read and written by the chrooted archive
// helper; this file finds the root and moves the bytes.

#include "absl/strings/str_cat.h"
#include "services/common/base/grpc_status.h"
#include "services/common/namespaces/namespace.h"
#include "services/tasks/archive_helper.h"
#include "services/tasks/container_root.h"
#include "services/tasks/containers_service.h"

namespace berth::tasks {
namespace {

std::unique_ptr<grpc::ClientContext> CallContext() {
  auto context = std::make_unique<grpc::ClientContext>();
  context->set_deadline(std::chrono::system_clock::now() + std::chrono::seconds(30));
  return context;
}

// docker's message for a path that is not there.
absl::Status NotInContainer(const absl::Status& status, const std::string& path,
                            const std::string& container) {
  if (status.code() != absl::StatusCode::kNotFound) return status;
  return absl::NotFoundError(
      absl::StrCat("Could not find the file ", path, " in container ", container));
}

}  // namespace

absl::StatusOr<std::vector<berth::types::v1::Mount>> ContainersService::SnapshotMounts(
    const v1::Container& container) {
  if (!files_.snapshots) {
    return std::vector<berth::types::v1::Mount>(container.rootfs().begin(),
                                                container.rootfs().end());
  }
  berth::snapshots::v1::MountsRequest request;
  request.set_key(container.snapshot_key());
  berth::snapshots::v1::MountsResponse response;
  grpc::Status status = files_.snapshots->Mounts(CallContext().get(), request, &response);
  if (!status.ok()) {
    return absl::Status(static_cast<absl::StatusCode>(status.error_code()),
                        absl::StrCat("mounts of snapshot ", container.snapshot_key(), ": ",
                                     status.error_message()));
  }
  return std::vector<berth::types::v1::Mount>(response.mounts().begin(), response.mounts().end());
}

grpc::Status ContainersService::Export(grpc::ServerContext* context,
                                       const v1::ExportContainerRequest* request,
                                       grpc::ServerWriter<berth::types::v1::DataChunk>* writer) {
  auto ns = namespaces::NamespaceOf(*context);
  if (!ns.ok()) return ToGrpcStatus(ns.status());
  auto container = store_->Resolve(*ns, request->id());
  if (!container.ok()) return ToGrpcStatus(container.status());
  auto mounts = SnapshotMounts(*container);
  if (!mounts.ok()) return ToGrpcStatus(mounts.status(), "export " + request->id());
  auto root = OpenContainerRoot(*container, RootView::kRootfsOnly, *mounts, files_.scratch_dir);
  if (!root.ok()) return ToGrpcStatus(root.status(), "export " + request->id());
  TarFromRootOptions options;
  options.root = (*root)->path();
  options.path = "/";
  options.strip_dot = true;
  absl::Status status = TarFromRoot(options, [writer](const char* data, size_t size) {
    berth::types::v1::DataChunk chunk;
    chunk.set_data(data, size);
    return writer->Write(chunk);
  });
  return ToGrpcStatus(status, "export " + request->id());
}

grpc::Status ContainersService::CopyFrom(grpc::ServerContext* context,
                                         const v1::CopyFromRequest* request,
                                         grpc::ServerWriter<v1::CopyFromResponse>* writer) {
  auto ns = namespaces::NamespaceOf(*context);
  if (!ns.ok()) return ToGrpcStatus(ns.status());
  auto container = store_->Resolve(*ns, request->id());
  if (!container.ok()) return ToGrpcStatus(container.status());
  if (request->path().empty() || request->path()[0] != '/') {
    return grpc::Status(grpc::StatusCode::INVALID_ARGUMENT,
                        "the path in the container must be absolute: " + request->path());
  }
  auto mounts = SnapshotMounts(*container);
  if (!mounts.ok()) return ToGrpcStatus(mounts.status());
  auto root = OpenContainerRoot(*container, RootView::kRead, *mounts, files_.scratch_dir);
  if (!root.ok()) return ToGrpcStatus(root.status(), "copy from " + request->id());
  std::vector<RootBind> binds;
  if (!(*root)->live()) binds = VolumeBinds(*container);
  auto stat = StatInRoot((*root)->path(), request->path(), binds);
  if (!stat.ok()) return ToGrpcStatus(NotInContainer(stat.status(), request->path(), request->id()));
  v1::CopyFromResponse first;
  *first.mutable_stat() = *stat;
  if (!writer->Write(first)) return grpc::Status(grpc::StatusCode::CANCELLED, "the client went away");
  if (request->stat_only()) return grpc::Status::OK;
  TarFromRootOptions options;
  options.root = (*root)->path();
  options.path = request->path();
  options.binds = binds;
  absl::Status status = TarFromRoot(options, [&](const char* data, size_t size) {
    v1::CopyFromResponse chunk;
    chunk.set_data(data, size);
    return writer->Write(chunk);
  });
  return ToGrpcStatus(status, "copy " + request->path() + " from " + request->id());
}

grpc::Status ContainersService::CopyTo(grpc::ServerContext* context,
                                       grpc::ServerReader<v1::CopyToRequest>* reader,
                                       v1::CopyToResponse*) {
  v1::CopyToRequest first;
  if (!reader->Read(&first) || !first.has_header()) {
    return grpc::Status(grpc::StatusCode::INVALID_ARGUMENT, "cp: the first message must be a header");
  }
  const v1::CopyToHeader header = first.header();
  auto ns = namespaces::NamespaceOf(*context);
  if (!ns.ok()) return ToGrpcStatus(ns.status());
  auto container = store_->Resolve(*ns, header.id());
  if (!container.ok()) return ToGrpcStatus(container.status());
  if (container->spec().read_only_rootfs()) {
    return grpc::Status(grpc::StatusCode::FAILED_PRECONDITION,
                        "container rootfs is marked read-only");
  }
  if (header.path().empty() || header.path()[0] != '/') {
    return grpc::Status(grpc::StatusCode::INVALID_ARGUMENT,
                        "the path in the container must be absolute: " + header.path());
  }
  auto mounts = SnapshotMounts(*container);
  if (!mounts.ok()) return ToGrpcStatus(mounts.status());
  auto root = OpenContainerRoot(*container, RootView::kWrite, *mounts, files_.scratch_dir);
  if (!root.ok()) return ToGrpcStatus(root.status(), "copy to " + header.id());
  // The directory to extract into, resolved as a directory (a symlink to
  // one is followed, inside the root).
  std::vector<RootBind> binds;
  if (!(*root)->live()) binds = VolumeBinds(*container);
  auto stat = StatInRoot((*root)->path(), header.path() + "/.", binds);
  if (!stat.ok()) {
    if (stat.status().code() == absl::StatusCode::kInvalidArgument) {
      return grpc::Status(grpc::StatusCode::INVALID_ARGUMENT, "extraction point is not a directory");
    }
    return ToGrpcStatus(NotInContainer(stat.status(), header.path(), header.id()));
  }
  UntarIntoRootOptions options;
  options.root = (*root)->path();
  options.directory = header.path();
  options.keep_owner = header.copy_uid_gid();
  options.no_overwrite_dir_non_dir = header.no_overwrite_dir_non_dir();
  options.binds = binds;
  v1::CopyToRequest message;
  std::string current;
  absl::Status status = UntarIntoRoot(options, [&]() -> absl::StatusOr<std::string_view> {
    if (!reader->Read(&message)) {
      // A client gone mid-body cancels the call: stop there.
      if (context->IsCancelled()) return absl::CancelledError("the client went away");
      return std::string_view();
    }
    current = std::move(*message.mutable_data());
    if (current.empty()) return absl::InvalidArgumentError("cp: an empty data message");
    return std::string_view(current);
  });
  return ToGrpcStatus(status, "copy to " + header.path() + " in " + header.id());
}

}  // namespace berth::tasks
