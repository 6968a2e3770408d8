#ifndef BERTH_SERVICES_BUILDER_STAGE_GRAPH_H_
#define BERTH_SERVICES_BUILDER_STAGE_GRAPH_H_

// Which stages a build runs: the target and what it depends on.

#include <set>
#include <string>
#include <vector>

#include "absl/status/statusor.h"
#include "services/builder/dockerfile/stages.h"

namespace berth::builder {

// `from_names`: each stage's FROM name after the global ARGs. A COPY
// --from of the stage itself or a later one is docker's error.
absl::StatusOr<std::set<int>> NeededStages(const Stages& stages, int target,
                                           const std::vector<std::string>& from_names);

}  // namespace berth::builder

#endif  // BERTH_SERVICES_BUILDER_STAGE_GRAPH_H_
