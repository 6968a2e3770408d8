#include "services/builder/dispatch/build_output.h"

#include "gtest/gtest.h"
#include "services/builder/dockerfile/parser.h"

namespace berth::builder {
namespace {

TEST(BuildOutputTest, StepsCountGlobalArgsFromsAndInstructions) {
  absl::StatusOr<Dockerfile> file = ParseDockerfile(
      "ARG V=1\nFROM a AS build\nRUN make \\\n  all\nFROM b\nCOPY --from=build /x /x\n");
  ASSERT_TRUE(file.ok()) << file.status();
  Stages stages = GroupStages(*file);
  EXPECT_EQ(TotalSteps(stages), 5);
  EXPECT_EQ(StepLine(3, 5, stages.stages[0].instructions[0]),
            "Step 3/5 : " + stages.stages[0].instructions[0].original);
  EXPECT_EQ(StepLine(1, 5, stages.global_args[0]), "Step 1/5 : ARG V=1");
}

TEST(BuildOutputTest, TriggersBanner) {
  EXPECT_EQ(BuildTriggersBanner(2), "# Executing 2 build triggers");
  EXPECT_EQ(BuildTriggersBanner(1), "# Executing 1 build trigger");
}

}  // namespace
}  // namespace berth::builder
