#ifndef BERTH_SERVICES_BUILDER_RUN_STEP_H_
#define BERTH_SERVICES_BUILDER_RUN_STEP_H_

// A RUN step: a container of the tasks service, made from the step's
// parent image, run with the build's isolation, limits and network, its
// output passed to the client as it comes, then committed as a layer with
// the stage's configuration (not the RUN's own command and build args).

#include <string>
#include <vector>

#include "absl/status/statusor.h"
#include "berth/builder/v1/builder.pb.h"
#include "services/builder/backends.h"
#include "services/builder/emit.h"
#include "services/builder/cancel_token.h"
#include "services/builder/intermediate_containers.h"

namespace berth::builder {

struct RunStep {
  std::string ns;
  std::string parent_image;
  std::vector<std::string> argv;
  std::vector<std::string> env;
  std::string user;
  std::string working_dir;
  // The image config JSON to commit ({"config": {...}}) and its history.
  std::string config_json;
  std::string created_by;
  std::string author;
};

class RunStepRunner {
 public:
  RunStepRunner(Backends* backends, IntermediateContainers* containers,
                const berth::builder::v1::BuildOptions* options, CancelToken* cancel)
      : backends_(backends), containers_(containers), options_(options), cancel_(cancel) {}

  // The committed image's id. A non-zero exit is docker's error: "The
  // command '/bin/sh -c false' returned a non-zero code: 1".
  absl::StatusOr<std::string> Run(const RunStep& step, const Emit& emit);

 private:
  berth::tasks::v1::ContainerSpec Spec(const RunStep& step) const;
  absl::StatusOr<int> AttachAndStart(const std::string& ns, const std::string& id,
                                     const Emit& emit);

  Backends* backends_;
  IntermediateContainers* containers_;
  const berth::builder::v1::BuildOptions* options_;
  CancelToken* cancel_;
};

}  // namespace berth::builder

#endif  // BERTH_SERVICES_BUILDER_RUN_STEP_H_
