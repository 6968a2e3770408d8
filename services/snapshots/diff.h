#ifndef BERTH_SERVICES_SNAPSHOTS_DIFF_H_
#define BERTH_SERVICES_SNAPSHOTS_DIFF_H_

// Turns the upper directory of an overlayfs snapshot (what a container
// changed) into an OCI layer: files as they are, overlay whiteouts (0/0
// character devices) as ".wh.NAME" entries, opaque directories
// (trusted.overlay.opaque=y) as ".wh..wh..opq". The tar is compressed
// (gzip by default) as it is produced, and both the layer's digest and its
// diff id are computed in the same pass.

#include <functional>
#include <string>
#include <vector>

#include "absl/status/statusor.h"

namespace berth::snapshots {

struct DiffOptions {
  // gzip, zstd or none.
  std::string compression = "gzip";
  // Paths (relative to the root, no leading slash) left out with anything
  // below them: the container's init files, volume mount points.
  std::vector<std::string> exclude;
};

struct DiffResult {
  std::string media_type;
  std::string digest;
  int64_t size = 0;
  std::string diff_id;
};

using DiffSink = std::function<bool(const char* data, size_t size)>;

absl::StatusOr<DiffResult> WriteOverlayDiff(const std::string& upper, const DiffOptions& options,
                                            const DiffSink& sink);

// The same for the native snapshotter, whose directory is a full copy: the
// changes are found by walking it beside its parent's (empty parent: no
// parent, everything is new); what the parent has and it lacks becomes a
// ".wh.NAME" entry.
absl::StatusOr<DiffResult> WriteNativeDiff(const std::string& dir, const std::string& parent,
                                           const DiffOptions& options, const DiffSink& sink);

}  // namespace berth::snapshots

#endif  // BERTH_SERVICES_SNAPSHOTS_DIFF_H_
