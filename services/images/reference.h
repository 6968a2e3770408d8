#ifndef BERTH_SERVICES_IMAGES_REFERENCE_H_
#define BERTH_SERVICES_IMAGES_REFERENCE_H_

// Image references normalised as docker does (distribution/reference):
// busybox → docker.io/library/busybox:latest.

#include <string>
#include <string_view>

#include "absl/status/statusor.h"

namespace berth::images {

struct Reference {
  std::string domain;  // docker.io, localhost:5000, ghcr.io
  std::string path;    // library/busybox
  std::string tag;     // "latest" when neither tag nor digest was given
  std::string digest;  // sha256:<64 hex> or empty

  // docker.io/library/busybox
  std::string Name() const;
  // docker.io/library/busybox:latest[@sha256:...]
  std::string String() const;
  // As docker prints it: busybox:latest, org/app:1, localhost:5000/x:y.
  std::string Familiar() const;
};

absl::StatusOr<Reference> ParseReference(std::string_view text);

}  // namespace berth::images

#endif  // BERTH_SERVICES_IMAGES_REFERENCE_H_
