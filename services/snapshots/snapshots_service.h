#ifndef BERTH_SERVICES_SNAPSHOTS_SNAPSHOTS_SERVICE_H_
#define BERTH_SERVICES_SNAPSHOTS_SNAPSHOTS_SERVICE_H_

// berth.snapshots.v1.Snapshots over one Snapshotter (overlayfs or native,
// from the storage-driver setting), and Apply, which unpacks a layer into
// an active snapshot. A failed Apply leaves the snapshot uncommitted; the
// caller removes it. Diff streams an active overlayfs snapshot's changes as
// an OCI layer (commit and build use it).

#include "berth/snapshots/v1/snapshots.grpc.pb.h"
#include "services/common/mount/mount.h"
#include "services/snapshots/snapshotter.h"

namespace berth::snapshots {

class SnapshotsService final : public berth::snapshots::v1::Snapshots::Service {
 public:
  // Layers over max_layer_bytes unpacked or max_layer_entries are refused.
  SnapshotsService(Snapshotter* snapshotter, int64_t max_layer_bytes, int64_t max_layer_entries)
      : snapshotter_(snapshotter),
        max_layer_bytes_(max_layer_bytes),
        max_layer_entries_(max_layer_entries) {}

  grpc::Status Prepare(grpc::ServerContext* context,
                       const berth::snapshots::v1::PrepareRequest* request,
                       berth::snapshots::v1::MountsResponse* response) override;
  grpc::Status View(grpc::ServerContext* context, const berth::snapshots::v1::ViewRequest* request,
                    berth::snapshots::v1::MountsResponse* response) override;
  grpc::Status Mounts(grpc::ServerContext* context,
                      const berth::snapshots::v1::MountsRequest* request,
                      berth::snapshots::v1::MountsResponse* response) override;
  grpc::Status Commit(grpc::ServerContext* context,
                      const berth::snapshots::v1::CommitRequest* request,
                      berth::snapshots::v1::CommitResponse* response) override;
  grpc::Status Remove(grpc::ServerContext* context,
                      const berth::snapshots::v1::RemoveRequest* request,
                      berth::snapshots::v1::RemoveResponse* response) override;
  grpc::Status Stat(grpc::ServerContext* context, const berth::snapshots::v1::StatRequest* request,
                    berth::snapshots::v1::Info* response) override;
  grpc::Status List(grpc::ServerContext* context, const berth::snapshots::v1::ListRequest* request,
                    berth::snapshots::v1::ListResponse* response) override;
  grpc::Status Usage(grpc::ServerContext* context,
                     const berth::snapshots::v1::UsageRequest* request,
                     berth::snapshots::v1::UsageResponse* response) override;
  grpc::Status Diff(grpc::ServerContext* context, const berth::snapshots::v1::DiffRequest* request,
                    grpc::ServerWriter<berth::snapshots::v1::DiffResponse>* writer) override;
  grpc::Status Changes(grpc::ServerContext* context,
                       const berth::snapshots::v1::ChangesRequest* request,
                       berth::snapshots::v1::ChangesResponse* response) override;
  grpc::Status Apply(grpc::ServerContext* context,
                     grpc::ServerReader<berth::snapshots::v1::ApplyRequest>* reader,
                     berth::snapshots::v1::ApplyResponse* response) override;

 private:
  // The active snapshot mounted at <its dir>/view until the result goes.
  absl::StatusOr<mount::ScopedMount> MountView(const std::string& key);

  Snapshotter* snapshotter_;
  int64_t max_layer_bytes_;
  int64_t max_layer_entries_;
};

}  // namespace berth::snapshots

#endif  // BERTH_SERVICES_SNAPSHOTS_SNAPSHOTS_SERVICE_H_
