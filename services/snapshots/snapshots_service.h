#ifndef BERTH_SERVICES_SNAPSHOTS_SNAPSHOTS_SERVICE_H_
#define BERTH_SERVICES_SNAPSHOTS_SNAPSHOTS_SERVICE_H_

// berth.snapshots.v1.Snapshots. Listing reads the snapshot records; the
// overlayfs and native snapshotters (prepare, commit, apply, diff...) arrive
// with the images and snapshots issue and answer UNIMPLEMENTED until then.

#include "berth/snapshots/v1/snapshots.grpc.pb.h"
#include "services/common/store/database.h"

namespace berth::snapshots {

class SnapshotsService final : public berth::snapshots::v1::Snapshots::Service {
 public:
  explicit SnapshotsService(store::Database* db) : db_(db) {}

  grpc::Status List(grpc::ServerContext* context,
                    const berth::snapshots::v1::ListRequest* request,
                    berth::snapshots::v1::ListResponse* response) override;

 private:
  store::Database* db_;
};

}  // namespace berth::snapshots

#endif  // BERTH_SERVICES_SNAPSHOTS_SNAPSHOTS_SERVICE_H_
