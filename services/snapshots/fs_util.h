#ifndef BERTH_SERVICES_SNAPSHOTS_FS_UTIL_H_
#define BERTH_SERVICES_SNAPSHOTS_FS_UTIL_H_

// Filesystem helpers for directories the snapshots service owns.

#include <cstdint>
#include <string>

#include "absl/status/status.h"
#include "absl/status/statusor.h"

namespace berth::snapshots {

// rm -rf without following symlinks or crossing into mounts' contents.
absl::Status RemoveAll(const std::string& path);
// Bytes of the regular files below path (what docker reports as a size).
absl::StatusOr<int64_t> DiskUsage(const std::string& path);
// A random hex string of n bytes (2n characters).
std::string RandomHex(int bytes);

}  // namespace berth::snapshots

#endif  // BERTH_SERVICES_SNAPSHOTS_FS_UTIL_H_
