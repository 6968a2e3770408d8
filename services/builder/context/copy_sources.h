#ifndef BERTH_SERVICES_BUILDER_CONTEXT_COPY_SOURCES_H_
#define BERTH_SERVICES_BUILDER_CONTEXT_COPY_SOURCES_H_

// The sources of one COPY or ADD as the tar another service applies onto
// the image's snapshot, by the rules of docker's classic builder
// (builder/dockerfile/copy.go): which paths a source names, where each
// lands, which directories appear on the way and who owns what.

#include <cstdint>
#include <functional>
#include <optional>
#include <string>
#include <vector>

#include "absl/status/statusor.h"
#include "services/common/archive/tree_tar.h"

namespace berth::buildcontext {

// What a destination path is in the image being built, as stat(2) would
// say from inside it (symlinks followed within the image root).
enum class DestinationKind { kMissing, kDirectory, kOther };

struct CopyRequest {
  // The tree sources are read from: the extracted context dir, or another
  // stage's / image's mounted rootfs (COPY --from).
  std::string root;
  // As written after variable expansion, relative to root ("/" is root).
  std::vector<std::string> sources;
  // Absolute, already joined with WORKDIR by the caller; may end with "/".
  std::string destination;
  // docker: Go's filepath.Match of the whole relative path.
  bool allow_wildcards = true;
  // ADD: a local tar (plain, gzip, bzip2, xz, zstd) is unpacked at the
  // destination instead of copied. Its entries keep the archive's owners
  // and modes: docker applies neither --chown nor --chmod to them.
  bool extract_archives = false;
  // --chown resolved by the caller; default 0:0. A uid without gid gets
  // gid = uid (docker's numeric --chown=1000).
  std::optional<uint32_t> uid, gid;
  // --chmod: the mode of every file and directory copied (not of the
  // directories created to hold them). docker's classic builder refuses
  // --chmod; this is BuildKit's meaning.
  std::optional<uint32_t> chmod;
  // COPY --from: docker's errors then do not mention the context, and
  // without --chown files keep the owners they have in the source.
  bool from_image = false;
  // docker's rules depend on the image: a file copied onto an existing
  // directory goes inside it, and directories that exist are not written
  // (their owner and mode stay). Unset: nothing exists but "/".
  std::function<DestinationKind(const std::string& absolute_path)> destination_kind;
};

struct CopyResult {
  // "sha256:..." of the sources' contents and metadata and of the options
  // that shape the result, not of mtimes: the build cache's key.
  std::string checksum;
  // Entries written that are not directories.
  int64_t files = 0;
};

// Writes the tar (uncompressed pax, names relative to "/", directories
// before their contents, numeric ids only). Errors carry docker's text:
// "COPY failed: file not found in build context or excluded by
// .dockerignore: stat x: file does not exist", "COPY failed: no source
// files were specified", "COPY failed: forbidden path outside the build
// context: ../x ()", "When using COPY with more than one source file, the
// destination must be a directory and end with a /" ("ADD" when
// extract_archives). After an error, what was written is an incomplete
// tar: the caller discards it.
absl::StatusOr<CopyResult> WriteCopyTar(const CopyRequest& request, const archive::WriteChunk& write);

// The same checksum without writing anything (a cache probe); it reads
// every source file to hash it.
absl::StatusOr<std::string> SourcesChecksum(const CopyRequest& request);

}  // namespace berth::buildcontext

#endif  // BERTH_SERVICES_BUILDER_CONTEXT_COPY_SOURCES_H_
