#ifndef BERTH_SERVICES_SNAPSHOTS_APPLY_H_
#define BERTH_SERVICES_SNAPSHOTS_APPLY_H_

// Unpacks one OCI layer (a tar, gzip- or zstd-compressed or not) into a
// directory: the upper directory of a fresh active snapshot.
//
// Layers are untrusted. Every path is resolved beneath the root by the
// kernel (openat2 with RESOLVE_BENEATH), so an entry with an absolute path
// or "..", or one that would pass through a symlink leading out of the root
// (an absolute one, or one climbing above it), is refused; files are created
// with O_NOFOLLOW|O_EXCL at the last component. Device nodes are refused
// unless allowed, overlay's own xattrs in a layer are refused, and limits on
// bytes and entries stop decompression bombs. Errors name the layer and
// the entry. On error the caller discards the snapshot: nothing was written
// outside it.
//
// Whiteouts: ".wh.NAME" deletes NAME from the layers below, ".wh..wh..opq"
// makes its directory opaque. For overlayfs they become overlay's own
// whiteouts (a 0/0 character device, trusted.overlay.opaque=y); for the
// native snapshotter, whose directory is a full copy, they are deletions.

#include <cstdint>
#include <string>

#include "absl/status/statusor.h"
#include "services/common/digest/layer_stream.h"

namespace berth::snapshots {

// kRefuse: the tar is files copied in (a build's COPY), not a layer.
enum class WhiteoutMode { kOverlay, kDelete, kRefuse };

struct ApplyOptions {
  // Used in errors: the layer's digest.
  std::string layer_name;
  WhiteoutMode whiteouts = WhiteoutMode::kOverlay;
  bool allow_devices = true;
  // mkdir -p: a directory entry that exists keeps its owner, mode and times.
  bool keep_existing_directories = false;
  int64_t max_bytes = int64_t{64} << 30;
  int64_t max_entries = 4 << 20;
  // When set, the blob and its uncompressed tar must hash to these.
  std::string expected_digest;
  std::string expected_diff_id;
};

struct ApplyResult {
  std::string digest;
  std::string diff_id;
  int64_t compressed_size = 0;
  int64_t uncompressed_size = 0;
  int64_t entries = 0;
};

absl::StatusOr<ApplyResult> ApplyLayer(ByteSource source, const std::string& root,
                                       const ApplyOptions& options);

}  // namespace berth::snapshots

#endif  // BERTH_SERVICES_SNAPSHOTS_APPLY_H_
