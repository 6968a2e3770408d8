#ifndef BERTH_SERVICES_BUILDER_CONTEXT_CONTEXT_TAR_H_
#define BERTH_SERVICES_BUILDER_CONTEXT_CONTEXT_TAR_H_

// The tars the builder's clients and steps send: a build context as the
// docker CLI sends it (the directory, .dockerignore applied, owners 0:0,
// streamed file by file) and WORKDIR's one directory.

#include <string>

#include "absl/status/status.h"
#include "services/builder/context/dockerignore.h"
#include "services/common/archive/tree_tar.h"

namespace berth::buildcontext {

// Every entry of `dir` the matcher keeps (directories it excludes are not
// walked unless an exception may match below them), never following
// symlinks. Returns the bytes of file data written in *bytes if set.
absl::Status WriteContextTar(const std::string& dir, const IgnoreMatcher& matcher,
                             const archive::WriteChunk& write, int64_t* bytes = nullptr);

// One directory entry (0755, 0:0) for `directory` (absolute); "/" gives an
// empty tar.
absl::Status WriteDirectoryTar(const std::string& directory, const archive::WriteChunk& write);

}  // namespace berth::buildcontext

#endif  // BERTH_SERVICES_BUILDER_CONTEXT_CONTEXT_TAR_H_
