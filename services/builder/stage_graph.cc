#include "services/builder/stage_graph.h"

#include "absl/strings/str_cat.h"

namespace berth::builder {

// The stages the target needs: itself, the stages its FROM names and those
// COPY --from reads, transitively. docker's classic builder ran every stage
// up to the target; skipping the rest changes no result.
absl::StatusOr<std::set<int>> NeededStages(const Stages& stages, int target,
                                           const std::vector<std::string>& from_names) {
  std::set<int> needed;
  std::vector<int> pending = {target};
  while (!pending.empty()) {
    int index = pending.back();
    pending.pop_back();
    if (!needed.insert(index).second) continue;
    int base = FindStage(stages, from_names[index]);
    if (base >= 0 && base < index) pending.push_back(base);
    for (const Instruction& instruction : stages.stages[index].instructions) {
      const std::string* from = instruction.Flag("from");
      if (instruction.keyword != "COPY" || from == nullptr) continue;
      int source = FindStage(stages, *from);
      if (source >= index) {
        return absl::InvalidArgumentError(absl::StrCat("invalid from flag value ", *from,
                                    ": refers to current build stage"));
      }
      if (source >= 0) pending.push_back(source);
    }
  }
  return needed;
}

}  // namespace berth::builder
