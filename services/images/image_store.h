#ifndef BERTH_SERVICES_IMAGES_IMAGE_STORE_H_
#define BERTH_SERVICES_IMAGES_IMAGE_STORE_H_

// Image records in the images database: names pointing at manifests, with
// the config (the image id) and the content each image needs.

#include <cstdint>
#include <string>
#include <utility>
#include <vector>

#include "absl/status/statusor.h"
#include "berth/images/v1/images.pb.h"
#include "services/common/store/database.h"

namespace berth::images {

struct ImageRecord {
  // The namespace the name belongs to (set by List and ListAll).
  std::string ns;
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
  // The image id this one was committed or built on; empty if pulled.
  std::string parent;
};

// Names are kept per namespace (services/common/namespaces): a store is a
// view of one namespace, "default" unless made with In(). The content an
// image needs is recorded by manifest digest, shared by every namespace.
class ImageStore {
 public:
  explicit ImageStore(store::Database* db, std::string ns = "default")
      : db_(db), ns_(std::move(ns)) {}

  // The same database, seen from another namespace.
  ImageStore In(const std::string& ns) const { return ImageStore(db_, ns); }
  const std::string& ns() const { return ns_; }

  // Creates or moves the names; records the content they need. Returns
  // whether any name pointed elsewhere (or nowhere) before.
  absl::StatusOr<bool> Put(const std::vector<ImageRecord>& records,
                           const std::vector<std::string>& content);
  absl::StatusOr<std::vector<ImageRecord>> List();
  // Every namespace's records: what garbage collection must keep.
  absl::StatusOr<std::vector<ImageRecord>> ListAll();
  absl::StatusOr<ImageRecord> Get(const std::string& name);
  absl::Status Delete(const std::string& name);

 private:
  absl::StatusOr<std::vector<ImageRecord>> Select(bool every_namespace);

  store::Database* db_;
  std::string ns_;
};

}  // namespace berth::images

#endif  // BERTH_SERVICES_IMAGES_IMAGE_STORE_H_
