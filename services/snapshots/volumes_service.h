#ifndef BERTH_SERVICES_SNAPSHOTS_VOLUMES_SERVICE_H_
#define BERTH_SERVICES_SNAPSHOTS_VOLUMES_SERVICE_H_

// berth.snapshots.v1.Volumes with docker's local driver: a volume is a
// directory <data-root>/volumes/<name>/_data plus a record in the snapshots
// database. Directories are created under a temporary name and renamed into
// place inside the record's transaction, and removed by renaming them to a
// trash name first, so a crash never leaves a record without its directory;
// leftovers without a record are cleaned up at start.

#include <map>
#include <string>

#include "absl/synchronization/mutex.h"
#include "berth/snapshots/v1/snapshots.grpc.pb.h"
#include "services/common/events/event_hub.h"
#include "services/common/store/database.h"
#include "services/snapshots/snapshotter.h"

namespace berth::snapshots {

class VolumesService final : public berth::snapshots::v1::Volumes::Service {
 public:
  // root is <data-root>/volumes; snapshotter (the service's own) is where
  // Populate finds containers' filesystems.
  VolumesService(store::Database* db, std::string root, Snapshotter* snapshotter = nullptr)
      : db_(db), root_(std::move(root)), snapshotter_(snapshotter) {}

  // Creates the root and removes leftovers of interrupted operations.
  absl::Status Recover();

  grpc::Status Create(grpc::ServerContext* context,
                      const berth::snapshots::v1::CreateVolumeRequest* request,
                      berth::snapshots::v1::Volume* response) override;
  grpc::Status Get(grpc::ServerContext* context,
                   const berth::snapshots::v1::GetVolumeRequest* request,
                   berth::snapshots::v1::Volume* response) override;
  grpc::Status List(grpc::ServerContext* context,
                    const berth::snapshots::v1::ListVolumesRequest* request,
                    berth::snapshots::v1::ListVolumesResponse* response) override;
  grpc::Status Remove(grpc::ServerContext* context,
                      const berth::snapshots::v1::RemoveVolumeRequest* request,
                      berth::snapshots::v1::RemoveVolumeResponse* response) override;
  grpc::Status Prune(grpc::ServerContext* context,
                     const berth::snapshots::v1::PruneVolumesRequest* request,
                     berth::snapshots::v1::PruneVolumesResponse* response) override;
  grpc::Status Use(grpc::ServerContext* context,
                   const berth::snapshots::v1::UseVolumeRequest* request,
                   berth::snapshots::v1::UseVolumeResponse* response) override;
  grpc::Status Populate(grpc::ServerContext* context,
                        const berth::snapshots::v1::PopulateVolumeRequest* request,
                        berth::snapshots::v1::PopulateVolumeResponse* response) override;
  // Record no state of their own: a container's volumes are in use from
  // Use; these mark its starts and stops for docker's mount and unmount
  // events (volume_events.cc).
  grpc::Status Mount(grpc::ServerContext* context,
                     const berth::snapshots::v1::MountVolumeRequest* request,
                     berth::snapshots::v1::Volume* response) override;
  grpc::Status Unmount(grpc::ServerContext* context,
                       const berth::snapshots::v1::UnmountVolumeRequest* request,
                       berth::snapshots::v1::UnmountVolumeResponse* response) override;
  grpc::Status Subscribe(grpc::ServerContext* context,
                         const berth::snapshots::v1::SubscribeVolumesRequest* request,
                         grpc::ServerWriter<berth::types::v1::Envelope>* writer) override;

 private:
  absl::StatusOr<berth::snapshots::v1::Volume> Load(const std::string& name);
  absl::StatusOr<std::vector<berth::snapshots::v1::Volume>> LoadAll();
  // Deletes the record and the directory; returns the bytes freed.
  absl::StatusOr<int64_t> Delete(const std::string& name, bool only_if_unused);
  std::string Directory(const std::string& name) const { return root_ + "/" + name; }

  // docker's volume events: create, mount, unmount, destroy (driver local).
  void PublishEvent(const std::string& action, const std::string& name,
                    std::map<std::string, std::string> attributes = {});
  absl::StatusOr<bool> CopyFromSnapshot(const std::string& key, const std::string& path,
                                        const std::string& volume_data);

  store::Database* db_;
  std::string root_;
  Snapshotter* snapshotter_;
  // One copy-up at a time: two containers made at once with the same fresh
  // volume must not both fill it.
  absl::Mutex populate_mu_;
  // Mounting or unmounting a local volume's filesystem follows its users.
  absl::Mutex mount_mu_;
  events::EventHub events_{"snapshots"};
};

// Docker's rule for volume names: [a-zA-Z0-9][a-zA-Z0-9_.-]+
bool IsValidVolumeName(const std::string& name);

}  // namespace berth::snapshots

#endif  // BERTH_SERVICES_SNAPSHOTS_VOLUMES_SERVICE_H_
