#ifndef BERTH_SERVICES_BUILDER_LAYER_STEP_H_
#define BERTH_SERVICES_BUILDER_LAYER_STEP_H_

// COPY, ADD and WORKDIR without a container: a fresh active snapshot over
// the parent image, the files written into it by the snapshots service
// (Apply into its view), its diff uploaded as the step's layer, and the
// image made by the images service.

#include <string>

#include "absl/status/statusor.h"
#include "services/builder/backends.h"
#include "services/common/archive/tree_tar.h"

namespace berth::builder {

struct LayerStep {
  std::string ns;
  std::string parent_image;     // "" for scratch
  std::string parent_chain_id;  // its top snapshot
  std::string config_json;      // {"config": {...}}
  std::string created_by;
  std::string author;
  // WORKDIR: directories that exist keep their metadata.
  bool keep_existing_directories = false;
};

// `write_tar` produces the files (an uncompressed tar) through the chunk
// writer it is given; returns the new image's id.
using TarProducer = std::function<absl::Status(const archive::WriteChunk& write)>;
absl::StatusOr<std::string> CommitFiles(Backends* backends, const std::string& scratch_dir,
                                        const LayerStep& step, const TarProducer& write_tar);

// A config-only step: an image with no new layer (history empty_layer).
absl::StatusOr<std::string> CommitConfig(Backends* backends, const std::string& ns,
                                         const std::string& parent_image,
                                         const std::string& config_json,
                                         const std::string& created_by, const std::string& author);

}  // namespace berth::builder

#endif  // BERTH_SERVICES_BUILDER_LAYER_STEP_H_
