#include "services/tasks/detach_keys.h"

#include <gtest/gtest.h>

namespace berth::tasks {
namespace {

TEST(ParseDetachKeysTest, DockerNotation) {
  EXPECT_EQ(*ParseDetachKeys(""), "\x10\x11");
  EXPECT_EQ(*ParseDetachKeys("ctrl-p,ctrl-q"), "\x10\x11");
  EXPECT_EQ(*ParseDetachKeys("ctrl-a"), "\x01");
  EXPECT_EQ(*ParseDetachKeys("CTRL-X,a"), std::string("\x18") + "a");
  EXPECT_EQ(*ParseDetachKeys("ctrl-@,ctrl-[,ctrl-\\,ctrl-],ctrl-^,ctrl-_"),
            std::string("\0\x1b\x1c\x1d\x1e\x1f", 6));
  EXPECT_EQ(*ParseDetachKeys("x,y,z"), "xyz");
}

TEST(ParseDetachKeysTest, RejectsWhatDockerRejects) {
  EXPECT_EQ(ParseDetachKeys("ctrl-1").status().message(), "Invalid detach keys (ctrl-1) provided");
  EXPECT_FALSE(ParseDetachKeys("ctrl-").ok());
  EXPECT_FALSE(ParseDetachKeys("alt-p").ok());
  EXPECT_FALSE(ParseDetachKeys("ab").ok());
  EXPECT_FALSE(ParseDetachKeys(",").ok());
}

TEST(DetachKeyFilterTest, PassesInputThrough) {
  DetachKeyFilter filter("\x10\x11");
  EXPECT_EQ(filter.Feed("echo hi\r"), "echo hi\r");
  EXPECT_FALSE(filter.detached());
}

TEST(DetachKeyFilterTest, DetachesOnTheSequenceAcrossChunks) {
  DetachKeyFilter filter("\x10\x11");
  EXPECT_EQ(filter.Feed("ls\x10"), "ls");
  EXPECT_FALSE(filter.detached());
  EXPECT_EQ(filter.Feed("\x11" "after"), "");
  EXPECT_TRUE(filter.detached());
}

TEST(DetachKeyFilterTest, HeldBackBytesGoThroughWhenTheMatchFails) {
  DetachKeyFilter filter("\x10\x11");
  EXPECT_EQ(filter.Feed("\x10"), "");
  EXPECT_EQ(filter.Feed("x"), "\x10x");
  // ctrl-p ctrl-p ctrl-q: the first goes through, the rest detaches.
  EXPECT_EQ(filter.Feed("\x10\x10\x11"), "\x10");
  EXPECT_TRUE(filter.detached());
}

}  // namespace
}  // namespace berth::tasks
