#ifndef BERTH_SERVICES_BUILDER_CONTEXT_DIR_H_
#define BERTH_SERVICES_BUILDER_CONTEXT_DIR_H_

// A build's context on the builder's side: the client's tar extracted into
// a private directory (removed with this object), what .dockerignore
// excludes taken out, and the Dockerfile read from it.

#include <memory>
#include <string>

#include "absl/status/statusor.h"
#include "services/builder/scratch_dir.h"
#include "services/common/archive/tree_tar.h"

namespace berth::builder {

class ContextDir {
 public:
  // Extracts the stream (which may be empty: no context) under parent.
  static absl::StatusOr<std::unique_ptr<ContextDir>> Receive(const archive::ReadChunk& read,
                                                             const std::string& parent);
  const std::string& path() const { return dir_->path(); }

  // The Dockerfile at `name` (a path in the context), docker's error when
  // it is missing: "Cannot locate specified Dockerfile: Dockerfile".
  absl::StatusOr<std::string> ReadDockerfile(const std::string& name) const;
  // Applies <name>.dockerignore, else .dockerignore; the Dockerfile and
  // the ignore file stay.
  absl::Status ApplyDockerignore(const std::string& dockerfile_name);

 private:
  explicit ContextDir(std::unique_ptr<ScratchDir> dir) : dir_(std::move(dir)) {}
  absl::StatusOr<std::string> ReadInside(const std::string& name) const;

  std::unique_ptr<ScratchDir> dir_;
};

}  // namespace berth::builder

#endif  // BERTH_SERVICES_BUILDER_CONTEXT_DIR_H_
