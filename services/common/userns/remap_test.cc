#include "services/common/userns/remap.h"

#include <cstdlib>
#include <fstream>

#include "gtest/gtest.h"

namespace berth::userns {

bool operator==(const IdRange& a, const IdRange& b) {
  return a.container_id == b.container_id && a.host_id == b.host_id && a.size == b.size;
}

namespace {

TEST(SubordinateRangesTest, ByNameOrIdSortedWithConsecutiveContainerIds) {
  const char* text =
      "# comment\n"
      "alice:300000:1000\n"
      "bob:100000:65536\n"
      "1000:200000:10\n"
      "broken line\n"
      "alice:not:a-number\n";
  auto ranges = ParseSubordinateRanges(text, "alice", "1000");
  ASSERT_TRUE(ranges.ok()) << ranges.status();
  EXPECT_EQ(*ranges, (std::vector<IdRange>{{0, 200000, 10}, {10, 300000, 1000}}));
  auto none = ParseSubordinateRanges(text, "carol", "");
  ASSERT_TRUE(none.ok());
  EXPECT_TRUE(none->empty());
  EXPECT_EQ(HighestSubordinateEnd(text), 300000u + 1000u);
}

TEST(SubordinateRangesTest, RangePastTheLastIdIsAnError) {
  auto ranges = ParseSubordinateRanges("x:4294967000:1000\n", "x", "");
  EXPECT_FALSE(ranges.ok());
}

class ResolveRemapTest : public ::testing::Test {
 protected:
  void SetUp() override {
    dir_ = std::getenv("TEST_TMPDIR");
    files_.subuid = dir_ + "/subuid";
    files_.subgid = dir_ + "/subgid";
  }
  void Write(const std::string& path, const std::string& text) { std::ofstream(path) << text; }

  std::string dir_;
  SubordinateFiles files_;
};

TEST_F(ResolveRemapTest, UserAndGroupByNameOrNumber) {
  // root and its group exist everywhere; the files are this test's own.
  Write(files_.subuid, "root:500000:65536\n");
  Write(files_.subgid, "0:600000:65536\n");
  for (const char* setting : {"root", "0", "root:root", "0:0"}) {
    auto remap = ResolveRemap(setting, files_);
    ASSERT_TRUE(remap.ok()) << setting << ": " << remap.status();
    EXPECT_EQ(remap->user, "root");
    EXPECT_EQ(remap->group, "root");
    EXPECT_EQ(remap->uids, (std::vector<IdRange>{{0, 500000, 65536}}));
    EXPECT_EQ(remap->gids, (std::vector<IdRange>{{0, 600000, 65536}}));
  }
}

TEST_F(ResolveRemapTest, ClearErrors) {
  Write(files_.subuid, "root:500000:65536\n");
  Write(files_.subgid, "");
  auto no_ranges = ResolveRemap("root", files_);
  ASSERT_FALSE(no_ranges.ok());
  EXPECT_EQ(no_ranges.status().message(),
            "userns-remap \"root\": no subordinate gid ranges for \"root\" in " + files_.subgid);
  auto no_user = ResolveRemap("no-such-user-here", files_);
  ASSERT_FALSE(no_user.ok());
  EXPECT_EQ(no_user.status().message(),
            "userns-remap \"no-such-user-here\": no such user \"no-such-user-here\"");
  EXPECT_FALSE(ResolveRemap("root:no-such-group-here", files_).ok());
  EXPECT_FALSE(ResolveRemap(":root", files_).ok());
}

}  // namespace
}  // namespace berth::userns
