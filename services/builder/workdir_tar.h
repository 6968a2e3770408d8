#ifndef BERTH_SERVICES_BUILDER_WORKDIR_TAR_H_
#define BERTH_SERVICES_BUILDER_WORKDIR_TAR_H_

// WORKDIR's files: a tar of one directory entry (0755, root), applied with
// existing directories kept, which is docker's mkdir -p as root.

#include <string>

#include "absl/status/status.h"
#include "services/common/archive/tree_tar.h"

namespace berth::builder {

// `directory` is absolute; "/" writes an empty tar.
absl::Status WriteDirectoryTar(const std::string& directory, const archive::WriteChunk& write);

}  // namespace berth::builder

#endif  // BERTH_SERVICES_BUILDER_WORKDIR_TAR_H_
