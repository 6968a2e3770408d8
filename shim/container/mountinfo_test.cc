#include "shim/container/mountinfo.h"

#include "gtest/gtest.h"

namespace berth::container {
namespace {

constexpr char kMountInfo[] =
    "22 1 8:1 / / rw,relatime shared:1 - ext4 /dev/sda1 rw\n"
    "30 22 8:1 /srv/data /mnt/shared\\040dir rw,relatime shared:5 master:1 - ext4 /dev/sda1 rw\n"
    "31 22 8:1 /srv/slave /mnt/slave rw,relatime master:7 - ext4 /dev/sda1 rw\n"
    "32 22 8:1 /srv/private /mnt/private rw,relatime - ext4 /dev/sda1 rw\n"
    "33 32 0:40 / /mnt/private rw shared:9 - tmpfs tmpfs rw,size=100k\n"
    "bad line\n";

TEST(MountInfoTest, ParsesFieldsAndPropagation) {
  std::vector<MountInfoEntry> mounts = ParseMountInfo(kMountInfo);
  ASSERT_EQ(mounts.size(), 5u);
  EXPECT_EQ(mounts[1].root, "/srv/data");
  EXPECT_EQ(mounts[1].mount_point, "/mnt/shared dir");
  EXPECT_EQ(mounts[1].type, "ext4");
  EXPECT_EQ(mounts[1].source, "/dev/sda1");
  EXPECT_TRUE(mounts[1].shared());
  EXPECT_TRUE(mounts[1].slave());
  EXPECT_FALSE(mounts[2].shared());
  EXPECT_TRUE(mounts[2].slave());
  EXPECT_FALSE(mounts[3].shared());
  EXPECT_FALSE(mounts[3].slave());
  EXPECT_EQ(mounts[4].super_options, "rw,size=100k");
}

TEST(MountInfoTest, MountOfPathIsTheDeepestAndTopmost) {
  std::vector<MountInfoEntry> mounts = ParseMountInfo(kMountInfo);
  ASSERT_NE(MountOfPath(mounts, "/mnt/shared dir/x"), nullptr);
  EXPECT_EQ(MountOfPath(mounts, "/mnt/shared dir/x")->mount_point, "/mnt/shared dir");
  // Not a prefix on a component boundary: the root's.
  EXPECT_EQ(MountOfPath(mounts, "/mnt/slaveish")->mount_point, "/");
  // Two mounts on one point: the later is on top.
  EXPECT_EQ(MountOfPath(mounts, "/mnt/private")->type, "tmpfs");
  EXPECT_EQ(MountOfPath({}, "/x"), nullptr);
}

}  // namespace
}  // namespace berth::container
