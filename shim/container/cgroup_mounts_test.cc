#include "shim/container/cgroup_mounts.h"

#include "gtest/gtest.h"

namespace berth::container {
namespace {

TEST(CgroupMountsTest, V1HierarchiesWithTheirControllers) {
  const char* mountinfo =
      "25 30 0:23 / /sys rw,nosuid,nodev,noexec,relatime shared:7 - sysfs sysfs rw\n"
      "26 25 0:24 / /sys/fs/cgroup ro,nosuid,nodev,noexec shared:8 - tmpfs tmpfs ro,mode=755\n"
      "27 26 0:25 / /sys/fs/cgroup/unified rw,nosuid,nodev,noexec,relatime shared:9 - cgroup2 cgroup2 rw,nsdelegate\n"
      "28 26 0:26 / /sys/fs/cgroup/systemd rw,nosuid,nodev,noexec,relatime shared:10 - cgroup cgroup rw,xattr,name=systemd\n"
      "31 26 0:29 / /sys/fs/cgroup/cpu,cpuacct rw,nosuid,nodev,noexec,relatime shared:13 - cgroup cgroup rw,cpu,cpuacct\n"
      "32 26 0:30 / /sys/fs/cgroup/memory rw,nosuid,nodev,noexec,relatime shared:14 - cgroup cgroup rw,memory\n";
  CgroupMounts mounts = ParseCgroupMounts(mountinfo);
  EXPECT_FALSE(mounts.unified);
  ASSERT_EQ(mounts.hierarchies.size(), 3u);
  EXPECT_EQ(mounts.hierarchies[0].name, "systemd");
  EXPECT_EQ(mounts.hierarchies[0].data, "xattr,name=systemd");
  EXPECT_EQ(mounts.hierarchies[1].name, "cpu,cpuacct");
  EXPECT_EQ(mounts.hierarchies[1].data, "cpu,cpuacct");
  EXPECT_EQ(mounts.hierarchies[2].name, "memory");
  EXPECT_EQ(mounts.hierarchies[2].data, "memory");
}

TEST(CgroupMountsTest, UnifiedHost) {
  CgroupMounts mounts = ParseCgroupMounts(
      "35 24 0:30 / /sys/fs/cgroup rw,nosuid,nodev,noexec,relatime shared:9 - cgroup2 cgroup2 "
      "rw,nsdelegate,memory_recursiveprot\n");
  EXPECT_TRUE(mounts.unified);
  EXPECT_TRUE(mounts.hierarchies.empty());
}

}  // namespace
}  // namespace berth::container
