#include "cli/commands/cp_paths.h"

#include "gtest/gtest.h"

namespace berth::cli {
namespace {

TEST(SplitCpArgumentTest, ContainerOrLocal) {
  EXPECT_EQ(SplitCpArgument("web:/etc/hosts").container, "web");
  EXPECT_EQ(SplitCpArgument("web:/etc/hosts").path, "/etc/hosts");
  EXPECT_EQ(SplitCpArgument("./a:b").container, "");
  EXPECT_EQ(SplitCpArgument("/tmp/a:b").path, "/tmp/a:b");
  EXPECT_EQ(SplitCpArgument("-").container, "");
  EXPECT_EQ(SplitCpArgument("file").path, "file");
}

TEST(TarTopNameTest, BaseOrDot) {
  EXPECT_EQ(TarTopName("/etc/hosts"), "hosts");
  EXPECT_EQ(TarTopName("/data/"), "data");
  EXPECT_EQ(TarTopName("/data/."), ".");
  EXPECT_EQ(TarTopName("rel"), "rel");
  EXPECT_EQ(DirectoryOf("/data/."), "/data");
  EXPECT_EQ(DirectoryOf("/etc/hosts"), "/etc");
  EXPECT_EQ(DirectoryOf("/etc"), "/");
  EXPECT_EQ(DirectoryOf("rel"), ".");
}

TEST(PlanExtractionTest, DockerRules) {
  // Into an existing directory, as it is.
  auto plan = PlanExtraction("/src/dir", true, {"/dst", true, true});
  ASSERT_TRUE(plan.ok());
  EXPECT_EQ(plan->directory, "/dst");
  EXPECT_EQ(plan->rebase_from, "");
  // A directory to a missing path: created with that name.
  plan = PlanExtraction("/src/dir", true, {"/dst/new", false, false});
  ASSERT_TRUE(plan.ok());
  EXPECT_EQ(plan->directory, "/dst");
  EXPECT_EQ(plan->rebase_from, "dir");
  EXPECT_EQ(plan->rebase_to, "new");
  // Contents of a directory to a missing path.
  plan = PlanExtraction("/src/dir/.", true, {"/dst/new", false, false});
  ASSERT_TRUE(plan.ok());
  EXPECT_EQ(plan->rebase_from, ".");
  EXPECT_EQ(plan->rebase_to, "new");
  // A file over a file: renamed.
  plan = PlanExtraction("/etc/hosts", false, {"/tmp/h", true, false});
  ASSERT_TRUE(plan.ok());
  EXPECT_EQ(plan->directory, "/tmp");
  EXPECT_EQ(plan->rebase_to, "h");
  // Errors.
  EXPECT_EQ(PlanExtraction("/d", true, {"/tmp/f", true, false}).status().message(),
            "cannot copy directory");
  EXPECT_EQ(PlanExtraction("/f", false, {"/tmp/missing/", false, false}).status().message(),
            "no such directory");
}

}  // namespace
}  // namespace berth::cli
