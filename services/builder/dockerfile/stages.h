#ifndef BERTH_SERVICES_BUILDER_DOCKERFILE_STAGES_H_
#define BERTH_SERVICES_BUILDER_DOCKERFILE_STAGES_H_

// A parsed Dockerfile grouped as docker's builder sees it: the global ARGs
// before the first FROM, then one stage per FROM, found by name or index
// (`COPY --from`, `--target`).

#include <string>
#include <vector>

#include "services/builder/dockerfile/instruction.h"
#include "services/builder/dockerfile/parser.h"

namespace berth::builder {

struct Stage {
  Instruction from;
  std::vector<Instruction> instructions;  // after FROM, up to the next one
};

struct Stages {
  std::vector<Instruction> global_args;  // ARGs before the first FROM
  std::vector<Stage> stages;
};

// ParseDockerfile has already refused anything but ARG before FROM.
Stages GroupStages(const Dockerfile& dockerfile);

// The index of the stage `ref` names: its name (case-insensitive, the first
// stage with it) or its number. -1 when none: `ref` is then an image.
int FindStage(const Stages& stages, const std::string& ref);

// Build args docker accepts without an ARG and leaves out of the image's
// history: the proxy variables, both cases.
const std::vector<std::string>& PredefinedProxyArgs();

}  // namespace berth::builder

#endif  // BERTH_SERVICES_BUILDER_DOCKERFILE_STAGES_H_
