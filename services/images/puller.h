#ifndef BERTH_SERVICES_IMAGES_PULLER_H_
#define BERTH_SERVICES_IMAGES_PULLER_H_

// Pulls an image: resolves the reference to a manifest (choosing the
// platform from an index), downloads config and layers into the content
// store (several layers at once, each verified before it is committed),
// unpacks each layer once per chain id through the snapshots service while
// later layers still download, and records the image.

#include <functional>
#include <string>

#include "absl/status/statusor.h"
#include "berth/images/v1/images.pb.h"
#include "berth/snapshots/v1/snapshots.grpc.pb.h"
#include "services/images/content_store.h"
#include "services/images/image_store.h"
#include "services/images/manifest.h"
#include "services/images/reference.h"
#include "services/images/registry_client.h"
#include "services/images/transfers.h"

namespace berth::images {

// Holds blobs (by digest) and snapshots (by key) against garbage
// collection before the pull writes or relies on them (a lease).
using HoldFn = std::function<absl::Status(const std::vector<std::string>& digests,
                                          const std::vector<std::string>& snapshot_keys)>;

struct PullOptions {
  Platform platform;
  RegistryOptions registry;
  bool unpack = true;
  // Shared by every pull of the service (max-concurrent-downloads); null:
  // three at a time for this pull alone.
  TransferLimit* downloads = nullptr;
  // Null: the caller keeps garbage collection away by other means.
  HoldFn hold;
};

struct PullResult {
  ImageRecord image;
  // The digest of what the reference resolved to (index or manifest).
  std::string resolved_digest;
  bool updated = false;
};

using ProgressFn = std::function<void(const berth::images::v1::Progress&)>;

class Puller {
 public:
  Puller(ContentStore* content, ImageStore* images,
         berth::snapshots::v1::Snapshots::StubInterface* snapshots)
      : content_(content), images_(images), snapshots_(snapshots) {}

  absl::StatusOr<PullResult> Pull(const Reference& reference, const PullOptions& options,
                                  const ProgressFn& progress);

  // Unpacks every layer of a manifest whose blobs are in the store (import
  // and load use this); returns the unpacked size.
  // hold, if set, takes the layers' snapshots before they are looked for.
  absl::StatusOr<int64_t> UnpackAll(const Manifest& manifest, const ImageConfig& config,
                                    const ProgressFn& progress, const HoldFn& hold = nullptr);

 private:
  // Fetches a small blob (config) into the store unless present.
  absl::Status FetchSmall(RegistryClient& client, const Descriptor& descriptor);
  // Unpacks one layer unless its chain id is already a snapshot; true when
  // this call did the work.
  absl::StatusOr<bool> Unpack(const Manifest& manifest, const ImageConfig& config, size_t layer,
                              const std::vector<std::string>& chain, const ProgressFn& progress,
                              const HoldFn& hold = nullptr);
  // hold, if set, of these digests and snapshot keys.
  static absl::Status Hold(const HoldFn& hold, const std::vector<std::string>& digests,
                           const std::vector<std::string>& snapshot_keys = {});
  // docker's image size: the unpacked size of every layer.
  int64_t UnpackedSize(const Manifest& manifest, const std::vector<std::string>& chain);
  bool SnapshotExists(const std::string& key);

  ContentStore* content_;
  ImageStore* images_;
  berth::snapshots::v1::Snapshots::StubInterface* snapshots_;
};

// The 12-hex short id docker shows for a layer.
std::string ShortId(const std::string& digest);

}  // namespace berth::images

#endif  // BERTH_SERVICES_IMAGES_PULLER_H_
