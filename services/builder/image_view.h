#ifndef BERTH_SERVICES_BUILDER_IMAGE_VIEW_H_
#define BERTH_SERVICES_BUILDER_IMAGE_VIEW_H_

// An image's filesystem, read-only, for the builder to read: COPY --from
// sources, the owners --chown names, what a COPY destination already is.
// A view snapshot of the snapshots service mounted under the builder's
// scratch directory; unmounted and removed when this object goes
// (RemoveLeftoverViews cleans up after a crash).

#include <memory>
#include <string>

#include "absl/status/statusor.h"
#include "services/builder/backends.h"
#include "services/common/mount/mount.h"

namespace berth::builder {

class ImageView {
 public:
  // chain_id: the image's top snapshot; empty gives an empty view (scratch).
  static absl::StatusOr<std::unique_ptr<ImageView>> Open(Backends* backends,
                                                         const std::string& chain_id,
                                                         const std::string& scratch_dir);
  ~ImageView();
  ImageView(const ImageView&) = delete;
  ImageView& operator=(const ImageView&) = delete;

  // The mounted root ("" for scratch's empty view).
  const std::string& root() const { return mount_.target(); }

 private:
  ImageView(Backends* backends, std::string key) : backends_(backends), key_(std::move(key)) {}

  Backends* backends_;
  std::string key_;
  mount::ScopedMount mount_;
};

// At start: views a killed builder left mounted under scratch_dir.
void RemoveLeftoverViews(const std::string& scratch_dir);

}  // namespace berth::builder

#endif  // BERTH_SERVICES_BUILDER_IMAGE_VIEW_H_
