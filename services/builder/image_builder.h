#ifndef BERTH_SERVICES_BUILDER_IMAGE_BUILDER_H_
#define BERTH_SERVICES_BUILDER_IMAGE_BUILDER_H_

// One build, as docker's classic builder runs it: the Dockerfile parsed,
// the stages the target needs run in order, each instruction a step whose
// result is an image (reused from the build cache when an earlier build
// made the same step on the same parent), the last one tagged.

#include <map>
#include <memory>
#include <set>
#include <string>
#include <vector>

#include "absl/status/statusor.h"
#include "berth/builder/v1/builder.pb.h"
#include "services/builder/backends.h"
#include "services/builder/build_cache.h"
#include "services/builder/cancel_token.h"
#include "services/builder/dispatch/build_args.h"
#include "services/builder/dispatch/step_plan.h"
#include "services/builder/dockerfile/stages.h"
#include "services/builder/emit.h"
#include "services/builder/intermediate_containers.h"

namespace berth::builder {

struct BuildInputs {
  std::string ns;
  const berth::builder::v1::BuildOptions* options = nullptr;
  // The extracted context ("" when there is none, e.g. a Dockerfile alone).
  std::string context_dir;
  std::string dockerfile_text;
};

class ImageBuilder {
 public:
  ImageBuilder(Backends* backends, BuildCache* cache, IntermediateContainers* containers,
               std::string scratch_dir, CancelToken* cancel)
      : backends_(backends),
        cache_(cache),
        containers_(containers),
        scratch_dir_(std::move(scratch_dir)),
        cancel_(cancel) {}

  // The built image's id, tagged as asked. `built` hears the id before
  // "Successfully built" is printed (docker's aux message comes first).
  absl::StatusOr<std::string> Build(const BuildInputs& inputs, const Emit& emit,
                                    const Emit& built);

 private:
  struct Image {
    std::string id;        // "" for scratch
    std::string chain_id;  // its top snapshot
    std::string config_json;
  };

  absl::StatusOr<Image> GetImage(const std::string& ref);
  // FROM's or COPY --from's image: pulled if missing or with --pull.
  absl::StatusOr<Image> BaseImage(const std::string& ref, const Emit& emit);
  absl::StatusOr<Image> Pull(const std::string& ref, const Emit& emit);
  absl::Status BuildStage(int index, const Emit& emit);
  // One step on top of current_: from the cache or done.
  // What a step made: its image, and whether the cache had it.
  struct StepResult {
    Image image;
    bool cached = false;
  };
  absl::Status Step(StepPlan plan, const Emit& emit);
  // RUN, WORKDIR and metadata steps: the cache is probed with the plan.
  absl::StatusOr<StepResult> PlainStep(const StepPlan& plan, const std::string& config_json,
                                       const Emit& emit);
  // COPY/ADD: the sources' checksum is part of the cache key, so the
  // cache is probed once they are read.
  absl::StatusOr<StepResult> CopyStep(StepPlan& plan, const std::string& config_json,
                                      const Emit& emit);
  // The image an earlier build made for this step on current_, if any.
  absl::StatusOr<std::optional<Image>> CacheLookup(const StepPlan& plan);
  // The images --cache-from names and their ancestors: the only cache
  // hits allowed when it is given.
  absl::Status LoadCacheFrom();
  absl::Status Tag(const std::string& image_id, const Emit& emit);

  Backends* backends_;
  BuildCache* cache_;
  IntermediateContainers* containers_;
  std::string scratch_dir_;
  CancelToken* cancel_;

  // Per build.
  const BuildInputs* inputs_ = nullptr;
  Stages stages_;
  char escape_ = '\\';
  std::unique_ptr<BuildArgs> args_;
  std::map<int, Image> stage_results_;
  // --cache-from: the images of the named chains, each with what its step
  // was (docker compares parent, history and config).
  struct CacheCandidate {
    std::string id;
    std::string parent;
    std::string created_by;
    std::string config;  // the "config" object, dumped
  };
  std::optional<std::vector<CacheCandidate>> cache_from_;
  int step_ = 0;
  int total_steps_ = 0;
  int current_stage_ = 0;
  Image current_;
  std::string author_;
};

}  // namespace berth::builder

#endif  // BERTH_SERVICES_BUILDER_IMAGE_BUILDER_H_
