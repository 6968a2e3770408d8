#ifndef BERTH_SERVICES_CRI_CRI_IMAGES_H_
#define BERTH_SERVICES_CRI_CRI_IMAGES_H_

// The CRI's image operations, done by the images service in the k8s.io
// namespace: the same content store and layers as the CLI's images, the
// names kept apart.

#include <optional>
#include <string>
#include <vector>

#include "absl/status/statusor.h"
#include "k8s/cri/runtime/v1/api.pb.h"
#include "services/cri/backends.h"

namespace berth::cri {

struct ImageStatusResult {
  std::optional<runtime::v1::Image> image;  // unset: not present
  std::string verbose_info;                 // JSON, when asked and present
};

class CriImages {
 public:
  // snapshot_root: the snapshotter's directory, ImageFsInfo's mountpoint.
  CriImages(const Backends* backends, std::string snapshot_root)
      : backends_(backends), snapshot_root_(std::move(snapshot_root)) {}

  // Every image, or the one the filter names.
  absl::StatusOr<std::vector<runtime::v1::Image>> List(const runtime::v1::ImageFilter& filter);
  absl::StatusOr<ImageStatusResult> Status(const std::string& ref, bool verbose);
  // Returns the image id, as containerd's image_ref.
  absl::StatusOr<std::string> Pull(const std::string& ref, const runtime::v1::AuthConfig& auth);
  // Every name of the image goes; an image that is not there is no error.
  absl::Status Remove(const std::string& ref);
  // The snapshot filesystem's bytes and inodes used by every snapshot.
  absl::StatusOr<runtime::v1::FilesystemUsage> FsUsage();

 private:
  // NOT_FOUND when the images service does not know ref in k8s.io.
  absl::StatusOr<berth::images::v1::ImageDetail> Get(const std::string& ref);

  const Backends* backends_;
  std::string snapshot_root_;
};

}  // namespace berth::cri

#endif  // BERTH_SERVICES_CRI_CRI_IMAGES_H_
