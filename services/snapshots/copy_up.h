#ifndef BERTH_SERVICES_SNAPSHOTS_COPY_UP_H_
#define BERTH_SERVICES_SNAPSHOTS_COPY_UP_H_

// Docker's copy-up: a fresh volume mounted where the image has content
// starts with a copy of that content.

#include <string>

#include "absl/status/statusor.h"

namespace berth::snapshots {

// Copies the directory at `path` of the tree `root` into the directory
// `volume_data`, keeping ownership, modes, times, symlinks, hard links and
// extended attributes; `volume_data` itself takes the source directory's
// ownership and mode, as docker's does. `path` is resolved inside `root`
// (openat2 RESOLVE_IN_ROOT): a symlink or ".." in the tree cannot lead to
// a path outside it. Nothing is copied (false) when `path` is no directory
// in `root` or `volume_data` is not empty. The copy is staged beside
// `volume_data` and moved in, so a failure leaves the volume empty.
absl::StatusOr<bool> CopyUp(const std::string& root, const std::string& path,
                            const std::string& volume_data);

}  // namespace berth::snapshots

#endif  // BERTH_SERVICES_SNAPSHOTS_COPY_UP_H_
