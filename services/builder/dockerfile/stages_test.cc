#include "services/builder/dockerfile/stages.h"

#include <algorithm>
#include <string>

#include "gtest/gtest.h"

namespace berth::builder {
namespace {

Stages Group(const std::string& text) {
  absl::StatusOr<Dockerfile> parsed = ParseDockerfile(text);
  EXPECT_TRUE(parsed.ok()) << parsed.status();
  return parsed.ok() ? GroupStages(*parsed) : Stages{};
}

TEST(StagesTest, GlobalArgsThenOneStagePerFrom) {
  Stages stages = Group(
      "ARG BASE=alpine\n"
      "FROM $BASE AS Build\n"
      "ARG BASE\n"
      "RUN make\n"
      "FROM scratch\n"
      "COPY --from=build /out /\n");
  ASSERT_EQ(stages.global_args.size(), 1u);
  EXPECT_EQ(stages.global_args[0].pairs[0].key, "BASE");
  ASSERT_EQ(stages.stages.size(), 2u);
  EXPECT_EQ(stages.stages[0].from.stage_name, "build");
  ASSERT_EQ(stages.stages[0].instructions.size(), 2u);
  EXPECT_EQ(stages.stages[0].instructions[0].keyword, "ARG");
  EXPECT_EQ(stages.stages[1].from.base_name, "scratch");
  ASSERT_EQ(stages.stages[1].instructions.size(), 1u);
  EXPECT_EQ(stages.stages[1].instructions[0].line, 6);
}

TEST(StagesTest, FindByNameOrIndex) {
  Stages stages = Group("FROM a AS deps\nFROM b AS test\nFROM c\n");
  EXPECT_EQ(FindStage(stages, "deps"), 0);
  EXPECT_EQ(FindStage(stages, "TEST"), 1);
  EXPECT_EQ(FindStage(stages, "0"), 0);
  EXPECT_EQ(FindStage(stages, "2"), 2);
  EXPECT_EQ(FindStage(stages, "3"), -1);
  EXPECT_EQ(FindStage(stages, "-1"), -1);
  EXPECT_EQ(FindStage(stages, "alpine:3"), -1);  // an image
  EXPECT_EQ(FindStage(stages, ""), -1);
}

TEST(StagesTest, ProxyArgsAreBothCases) {
  const auto& args = PredefinedProxyArgs();
  EXPECT_EQ(args.size(), 10u);
  EXPECT_NE(std::find(args.begin(), args.end(), "no_proxy"), args.end());
  EXPECT_NE(std::find(args.begin(), args.end(), "HTTPS_PROXY"), args.end());
  EXPECT_EQ(std::find(args.begin(), args.end(), "PROXY"), args.end());
}

}  // namespace
}  // namespace berth::builder
