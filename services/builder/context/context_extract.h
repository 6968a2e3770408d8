#ifndef BERTH_SERVICES_BUILDER_CONTEXT_CONTEXT_EXTRACT_H_
#define BERTH_SERVICES_BUILDER_CONTEXT_CONTEXT_EXTRACT_H_

// The build context a client sends (a tar, possibly gzip, bzip2, xz or zstd
// compressed, as docker accepts it) written into a directory the builder
// owns, from a stream: never held whole in memory.

#include <cstdint>
#include <string>

#include "absl/status/statusor.h"
#include "services/common/archive/tree_tar.h"

namespace berth::buildcontext {

struct ExtractContextOptions {
  // Bombs stop here: bytes of file data and number of entries.
  int64_t max_bytes = int64_t{16} << 30;
  int64_t max_entries = 1'000'000;
};

struct ContextStats {
  int64_t entries = 0;
  int64_t bytes = 0;
};

// Extracts into dir (existing, created 0700 by the caller; its own mode is
// kept, a "." entry is skipped). Modes, uid/gid, mtimes, symlinks, hard
// links and file capabilities are kept; other extended attributes are not. Refused, naming the entry: an absolute name or link
// target, a ".." component, and any write through a symlink (an entry below
// a symlink the tar made earlier). A tar that ends right after its last
// entry's data (as the docker CLI sends for `build -f -`) is whole; one cut
// inside a header or an entry's data is refused.
absl::StatusOr<ContextStats> ExtractContext(const archive::ReadChunk& read, const std::string& dir,
                                            const ExtractContextOptions& options = {});

}  // namespace berth::buildcontext

#endif  // BERTH_SERVICES_BUILDER_CONTEXT_CONTEXT_EXTRACT_H_
