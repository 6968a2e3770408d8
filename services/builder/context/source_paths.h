#ifndef BERTH_SERVICES_BUILDER_CONTEXT_SOURCE_PATHS_H_
#define BERTH_SERVICES_BUILDER_CONTEXT_SOURCE_PATHS_H_

// The paths a COPY/ADD's sources name (docker's calcCopyInfo and
// copyWithWildcards), each resolved within the root and checked to exist.

#include <sys/stat.h>

#include <string>
#include <vector>

#include "absl/status/statusor.h"
#include "services/builder/context/copy_sources.h"

namespace berth::buildcontext {

struct SourcePath {
  // As docker names the source (its base name is the name a file gets in
  // a destination directory): the source without a leading "/" or "./",
  // or the path a wildcard matched.
  std::string named;
  // Symlinks followed within root; relative to root, "." for root.
  std::string resolved;
  // Of `resolved` (not following: it is no symlink).
  struct stat st;
};

// In order: sources as given, wildcard matches in lexical walk order.
// Errors are docker's, "COPY failed: ..." (or "ADD failed: ...").
absl::StatusOr<std::vector<SourcePath>> ResolveSourcePaths(const CopyRequest& request, int root_fd);

// Whether docker treats a source as a pattern: an unescaped "*", "?" or "[".
bool ContainsWildcards(const std::string& name);

}  // namespace berth::buildcontext

#endif  // BERTH_SERVICES_BUILDER_CONTEXT_SOURCE_PATHS_H_
