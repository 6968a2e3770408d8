#ifndef BERTH_SERVICES_COMMON_LAYERS_LAYER_UPLOAD_H_
#define BERTH_SERVICES_COMMON_LAYERS_LAYER_UPLOAD_H_

// A snapshot's changes as a new layer in the images service's content
// store, for commit and build: the snapshots service diffs the snapshot
// into a scratch file of the caller (the digest is known only at the end),
// which is then streamed to the images service under a lease. Neither
// caller ever writes another service's files.

#include <memory>
#include <string>
#include <vector>

#include "absl/status/statusor.h"
#include "berth/images/v1/images.grpc.pb.h"
#include "berth/snapshots/v1/snapshots.grpc.pb.h"

namespace berth::layers {

struct Layer {
  berth::types::v1::Descriptor descriptor;
  std::string diff_id;
};

// A lease in the images service that holds uploaded blobs against
// garbage collection until the image that names them exists; deleted when
// this object goes (it expires on its own if the caller dies first).
class ContentLease {
 public:
  static absl::StatusOr<ContentLease> Create(berth::images::v1::Images::StubInterface* images);
  ContentLease(ContentLease&& other) noexcept;
  ContentLease& operator=(ContentLease&&) = delete;
  ~ContentLease();
  const std::string& id() const { return id_; }

 private:
  ContentLease(berth::images::v1::Images::StubInterface* images, std::string id)
      : images_(images), id_(std::move(id)) {}
  berth::images::v1::Images::StubInterface* images_;
  std::string id_;
};

// Diffs the snapshot `key` (gzip, paths in `exclude` left out) into a
// nameless file under scratch_dir and uploads it under `lease`.
absl::StatusOr<Layer> UploadSnapshotDiff(berth::snapshots::v1::Snapshots::StubInterface* snapshots,
                                         berth::images::v1::Images::StubInterface* images,
                                         const std::string& key,
                                         const std::vector<std::string>& exclude,
                                         const std::string& scratch_dir, const std::string& lease);

}  // namespace berth::layers

#endif  // BERTH_SERVICES_COMMON_LAYERS_LAYER_UPLOAD_H_
