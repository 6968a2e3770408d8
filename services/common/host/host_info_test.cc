#include "services/common/host/host_info.h"

#include <sys/mount.h>
#include <sys/stat.h>
#include <unistd.h>

#include <cstdlib>
#include <string>

#include "gtest/gtest.h"

namespace berth::host {
namespace {

std::string TempDir() {
  const char* dir = std::getenv("TEST_TMPDIR");
  return dir ? dir : "/tmp";
}

TEST(CgroupLayoutTest, PlainDirectoryIsVersion1WithoutHybrid) {
  std::string root = TempDir() + "/cgroup-plain";
  ::mkdir(root.c_str(), 0755);
  CgroupLayout layout = DetectCgroupLayout(root);
  EXPECT_EQ(layout.version, 1);
  EXPECT_FALSE(layout.hybrid);
}

// Mounts a real cgroup2 filesystem (root in a private mount namespace of the
// test sandbox, or skipped) to check the detection the way the kernel reports it.
TEST(CgroupLayoutTest, DetectsRealCgroup2Mounts) {
  if (::geteuid() != 0) GTEST_SKIP() << "needs root to mount cgroup2";
  if (::unshare(CLONE_NEWNS) != 0) GTEST_SKIP() << "cannot unshare mount namespace";
  ASSERT_EQ(::mount(nullptr, "/", nullptr, MS_REC | MS_PRIVATE, nullptr), 0);
  std::string unified = TempDir() + "/cgroup-unified";
  ::mkdir(unified.c_str(), 0755);
  ASSERT_EQ(::mount("cgroup2", unified.c_str(), "cgroup2", 0, nullptr), 0)
      << "mount cgroup2: " << errno;
  EXPECT_EQ(DetectCgroupLayout(unified).version, 2);

  std::string hybrid = TempDir() + "/cgroup-hybrid";
  ::mkdir(hybrid.c_str(), 0755);
  ::mkdir((hybrid + "/unified").c_str(), 0755);
  ASSERT_EQ(::mount("cgroup2", (hybrid + "/unified").c_str(), "cgroup2", 0, nullptr), 0);
  CgroupLayout layout = DetectCgroupLayout(hybrid);
  EXPECT_EQ(layout.version, 1);
  EXPECT_TRUE(layout.hybrid);
  ::umount2((hybrid + "/unified").c_str(), MNT_DETACH);
  ::umount2(unified.c_str(), MNT_DETACH);
}

TEST(HostInfoTest, ReadsRealHostFacts) {
  EXPECT_GE(CpuCount(), 1);
  EXPECT_GT(MemTotalBytes(), 64LL * 1024 * 1024);
  EXPECT_FALSE(KernelVersion().empty());
  EXPECT_NE(KernelVersion(), "unknown");
  EXPECT_FALSE(OciArchitecture().empty());
}

}  // namespace
}  // namespace berth::host
