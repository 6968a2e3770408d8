#ifndef BERTH_SERVICES_IMAGES_GARBAGE_COLLECTOR_H_
#define BERTH_SERVICES_IMAGES_GARBAGE_COLLECTOR_H_

// Removes what no image references any more: blobs in the content store,
// committed layer snapshots (leaves first), and the unpacking snapshots a
// killed pull left behind. Callers hold the images service's operation lock
// exclusively, so no pull, import or load is half-way through (their
// in-progress content is, in effect, leased until they finish).

#include <cstdint>
#include <set>
#include <string>
#include <vector>

#include "absl/status/statusor.h"
#include "berth/snapshots/v1/snapshots.grpc.pb.h"
#include "services/images/content_store.h"
#include "services/images/image_store.h"
#include "services/images/leases.h"

namespace berth::images {

struct CollectResult {
  std::vector<std::string> deleted_blobs;
  std::vector<std::string> removed_snapshots;
  int64_t bytes_freed = 0;
};

class GarbageCollector {
 public:
  // leases (may be null): content they hold is kept. snapshots may be null
  // too: then only content is collected.
  GarbageCollector(ContentStore* content, ImageStore* images,
                   berth::snapshots::v1::Snapshots::StubInterface* snapshots, Leases* leases = nullptr)
      : content_(content), images_(images), snapshots_(snapshots), leases_(leases) {}

  absl::StatusOr<CollectResult> Collect();

 private:
  // Digests and chain ids every remaining image needs.
  absl::Status Referenced(std::set<std::string>* blobs, std::set<std::string>* chains);

  ContentStore* content_;
  ImageStore* images_;
  berth::snapshots::v1::Snapshots::StubInterface* snapshots_;
  Leases* leases_;
};

}  // namespace berth::images

#endif  // BERTH_SERVICES_IMAGES_GARBAGE_COLLECTOR_H_
