#ifndef BERTH_SERVICES_IMAGES_IMAGE_STORE_H_
#define BERTH_SERVICES_IMAGES_IMAGE_STORE_H_

// Image records in the images database: names pointing at manifests, with
// the config (the image id) and the content each image needs.

#include <cstdint>
#include <string>
#include <vector>

#include "absl/status/statusor.h"
#include "berth/images/v1/images.pb.h"
#include "services/common/store/database.h"

namespace berth::images {

struct ImageRecord {
  // Full normalised name: docker.io/library/busybox:latest or repo@sha256:...
  std::string name;
  berth::types::v1::Descriptor target;
  std::string config_digest;
  // Uncompressed size of the layers.
  int64_t size = 0;
  // From the image config's "created".
  int64_t image_created = 0;
  int64_t created_at = 0;
  int64_t updated_at = 0;
};

class ImageStore {
 public:
  explicit ImageStore(store::Database* db) : db_(db) {}

  // Creates or moves the names; records the content they need. Returns
  // whether any name pointed elsewhere (or nowhere) before.
  absl::StatusOr<bool> Put(const std::vector<ImageRecord>& records,
                           const std::vector<std::string>& content);
  absl::StatusOr<std::vector<ImageRecord>> List();
  absl::StatusOr<ImageRecord> Get(const std::string& name);
  absl::Status Delete(const std::string& name);

 private:
  store::Database* db_;
};

}  // namespace berth::images

#endif  // BERTH_SERVICES_IMAGES_IMAGE_STORE_H_
