#include "services/tasks/volume_release.h"

#include <chrono>

#include "services/common/base/log.h"
#include "services/tasks/container_mounts.h"

namespace berth::tasks {
namespace {

void SetDeadline(grpc::ClientContext* context) {
  context->set_deadline(std::chrono::system_clock::now() + std::chrono::seconds(30));
  // A snapshots service that is (re)starting is waited for.
  context->set_wait_for_ready(true);
}

}  // namespace

void ReleaseVolumes(berth::snapshots::v1::Volumes::StubInterface* volumes,
                    const std::string& container_id, const v1::ContainerSpec& spec,
                    bool remove_anonymous) {
  for (const auto& mount : spec.mounts()) {
    if (mount.type() != "volume" || mount.source().empty()) continue;
    berth::snapshots::v1::UseVolumeRequest release;
    release.set_name(mount.source());
    release.set_container_id(container_id);
    release.set_release(true);
    berth::snapshots::v1::UseVolumeResponse unused;
    grpc::ClientContext release_context;
    SetDeadline(&release_context);
    grpc::Status released = volumes->Use(&release_context, release, &unused);
    if (!released.ok() && released.error_code() != grpc::StatusCode::NOT_FOUND) {
      BERTH_LOG(Warn) << "container " << container_id << ": releasing volume " << mount.source()
                      << ": " << released.error_message();
    }
    if (!remove_anonymous || mount.volume_options().count(kAnonymousMarker) == 0) continue;
    berth::snapshots::v1::RemoveVolumeRequest remove;
    remove.set_name(mount.source());
    berth::snapshots::v1::RemoveVolumeResponse removed;
    grpc::ClientContext remove_context;
    SetDeadline(&remove_context);
    grpc::Status status = volumes->Remove(&remove_context, remove, &removed);
    // In use by another container (FailedPrecondition), or gone already.
    if (!status.ok() && status.error_code() != grpc::StatusCode::FAILED_PRECONDITION &&
        status.error_code() != grpc::StatusCode::NOT_FOUND) {
      BERTH_LOG(Warn) << "container " << container_id << ": removing volume " << mount.source()
                      << ": " << status.error_message();
    }
  }
}

void AnnounceVolumeMounts(berth::snapshots::v1::Volumes::StubInterface* volumes,
                          const std::string& container_id, const v1::ContainerSpec& spec,
                          bool mounted) {
  for (const auto& mount : spec.mounts()) {
    if (mount.type() != "volume" || mount.source().empty()) continue;
    grpc::ClientContext context;
    context.set_deadline(std::chrono::system_clock::now() + std::chrono::seconds(5));
    grpc::Status status;
    if (mounted) {
      berth::snapshots::v1::MountVolumeRequest request;
      request.set_name(mount.source());
      request.set_container_id(container_id);
      request.set_destination(mount.destination());
      request.set_read_write(!mount.read_only());
      request.set_propagation(mount.propagation());
      berth::snapshots::v1::Volume volume;
      status = volumes->Mount(&context, request, &volume);
    } else {
      berth::snapshots::v1::UnmountVolumeRequest request;
      request.set_name(mount.source());
      request.set_container_id(container_id);
      berth::snapshots::v1::UnmountVolumeResponse unused;
      status = volumes->Unmount(&context, request, &unused);
    }
    if (!status.ok()) {
      BERTH_LOG(Warn) << "container " << container_id << ": volume " << mount.source() << " "
                      << (mounted ? "mount" : "unmount") << " note: " << status.error_message();
    }
  }
}

}  // namespace berth::tasks
