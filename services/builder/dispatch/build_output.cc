#include "services/builder/dispatch/build_output.h"

#include "absl/strings/ascii.h"
#include "absl/strings/str_cat.h"

namespace berth::builder {

int TotalSteps(const Stages& stages) {
  size_t total = stages.global_args.size() + stages.stages.size();
  for (const Stage& stage : stages.stages) total += stage.instructions.size();
  return static_cast<int>(total);
}

std::string StepLine(int step, int total, const Instruction& instruction) {
  return absl::StrCat("Step ", step, "/", total, " : ",
                      absl::StripAsciiWhitespace(instruction.original));
}

std::string BuildTriggersBanner(size_t count) {
  return absl::StrCat("# Executing ", count, " build trigger",
                      count > 1 ? "s" : "");
}

}  // namespace berth::builder
