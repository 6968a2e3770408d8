#include "services/builder/dispatch/build_args.h"

#include "gtest/gtest.h"
#include "services/builder/dockerfile/parser.h"

namespace berth::builder {
namespace {

using Strings = std::vector<std::string>;
using Map = std::map<std::string, std::string>;

Instruction ArgLine(const std::string& line) {
  absl::StatusOr<Dockerfile> parsed = ParseDockerfile(line + "\nFROM x\n");
  EXPECT_TRUE(parsed.ok()) << parsed.status();
  return parsed->instructions.at(0);
}

TEST(BuildArgsTest, MetaArgsTakeBuildArgOverDefault) {
  BuildArgs args(BuildArgs::Values{{"TAG", "3.19"}});
  ASSERT_TRUE(args.AddMetaArgs(ArgLine("ARG BASE=alpine TAG=latest"), '\\').ok());
  EXPECT_EQ(args.AllMeta(), (Map{{"BASE", "alpine"}, {"TAG", "3.19"}}));
  EXPECT_EQ(args.UnusedWarning(), std::nullopt);
}

TEST(BuildArgsTest, MetaArgsExpandWithEarlierOnesOnly) {
  BuildArgs args;
  ASSERT_TRUE(args.AddMetaArgs(ArgLine("ARG A=1"), '\\').ok());
  ASSERT_TRUE(args.AddMetaArgs(ArgLine("ARG A=2 B=${A}x"), '\\').ok());
  EXPECT_EQ(args.AllMeta(), (Map{{"A", "2"}, {"B", "1x"}}));
  EXPECT_FALSE(args.AddMetaArgs(ArgLine("ARG C=${A"), '\\').ok());
}

TEST(BuildArgsTest, StageStartsWithoutDeclarationsButGlobalDefaults) {
  BuildArgs args(BuildArgs::Values{{"FROM_CLI", "cli"}});
  ASSERT_TRUE(args.AddMetaArgs(ArgLine("ARG VERSION=1.0"), '\\').ok());
  BuildArgs stage = args.ForStage();
  // Not declared in the stage: not visible.
  EXPECT_EQ(stage.AllAllowed(), Map{});
  // `ARG VERSION` without default takes the global one.
  stage.AddArg("VERSION", std::nullopt);
  stage.AddArg("FROM_CLI", "default");
  stage.AddArg("UNSET", std::nullopt);
  EXPECT_EQ(stage.AllAllowed(),
            (Map{{"FROM_CLI", "cli"}, {"VERSION", "1.0"}}));
}

TEST(BuildArgsTest, FilterAllowedLeavesOutWhatEnvSets) {
  BuildArgs stage = BuildArgs(BuildArgs::Values{{"A", "cli"}}).ForStage();
  stage.AddArg("A", "x");
  stage.AddArg("B", "y");
  EXPECT_EQ(stage.FilterAllowed({"PATH=/bin", "B=env"}), Strings{"A=cli"});
}

TEST(BuildArgsTest, ProxyArgsNeedNoArgButStayOutOfHistory) {
  BuildArgs stage = BuildArgs(BuildArgs::Values{{"HTTP_PROXY", "http://p:3128"},
                               {"no_proxy", std::nullopt}})
                        .ForStage();
  EXPECT_EQ(stage.AllAllowed(), (Map{{"HTTP_PROXY", "http://p:3128"}}));
  EXPECT_FALSE(stage.IsReferencedOrNotBuiltin("HTTP_PROXY"));
  EXPECT_TRUE(stage.IsReferencedOrNotBuiltin("OTHER"));
  stage.AddArg("HTTP_PROXY", std::nullopt);
  EXPECT_TRUE(stage.IsReferencedOrNotBuiltin("HTTP_PROXY"));
  EXPECT_EQ(stage.UnusedWarning(), std::nullopt);
}

TEST(BuildArgsTest, UnusedWarningNamesWhatNoStageDeclared) {
  BuildArgs args(BuildArgs::Values{{"foo", "1"}, {"bar", std::nullopt}, {"used", "2"}});
  BuildArgs stage = args.ForStage();
  stage.AddArg("used", std::nullopt);
  args.MergeReferenced(stage);
  EXPECT_EQ(args.UnusedWarning(),
            "[Warning] One or more build-args [bar foo] were not consumed");
}

}  // namespace
}  // namespace berth::builder
