#ifndef BERTH_SERVICES_IMAGES_MANIFEST_H_
#define BERTH_SERVICES_IMAGES_MANIFEST_H_

// Parsing and checking of image indexes, manifests and configs (OCI and
// Docker v2 schema 2), and the choice of a platform from an index.

#include <cstdint>
#include <string>
#include <vector>

#include "absl/status/statusor.h"
#include "berth/types/v1/types.pb.h"

namespace berth::images {

using berth::types::v1::Descriptor;
using berth::types::v1::Platform;

struct Index {
  std::string media_type;
  std::vector<Descriptor> manifests;
};

struct Manifest {
  std::string media_type;
  Descriptor config;
  std::vector<Descriptor> layers;
};

struct ImageConfig {
  Platform platform;
  std::vector<std::string> diff_ids;
  // Its "created" in unix seconds; 0 when absent or not RFC 3339.
  int64_t created = 0;
  // The whole config JSON as stored.
  std::string json;
};

bool IsIndex(const std::string& media_type);
bool IsManifest(const std::string& media_type);

// Refuses schema 1 with a clear message and unknown media types. The body's
// own mediaType is used when the registry's Content-Type is vague.
absl::StatusOr<std::string> ClassifyManifest(const std::string& content_type,
                                             const std::string& body);
absl::StatusOr<Index> ParseIndex(const std::string& body);
absl::StatusOr<Manifest> ParseManifest(const std::string& body);
absl::StatusOr<ImageConfig> ParseConfig(const std::string& body);

// The host's platform: linux/<arch>[/variant].
Platform HostPlatform();
// "os/arch[/variant]" (docker's --platform).
absl::StatusOr<Platform> ParsePlatform(const std::string& text);
std::string PlatformString(const Platform& platform);
// The best manifest of an index for the platform (exact variant first,
// then any variant of the architecture); NotFound naming what exists.
absl::StatusOr<Descriptor> SelectManifest(const Index& index, const Platform& want);

// chainID per the OCI spec: chain[0] = diff[0],
// chain[n] = sha256(chain[n-1] + " " + diff[n]).
std::vector<std::string> ChainIds(const std::vector<std::string>& diff_ids);

}  // namespace berth::images

#endif  // BERTH_SERVICES_IMAGES_MANIFEST_H_
