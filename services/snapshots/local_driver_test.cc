#include "services/snapshots/local_driver.h"

#include <sys/mount.h>
#include <sys/statvfs.h>
#include <unistd.h>

#include <cstdlib>

#include "gtest/gtest.h"
#include "services/snapshots/fs_util.h"

namespace berth::snapshots {
namespace {

TEST(LocalDriver, ValidatesOptionsAsDocker) {
  EXPECT_TRUE(ValidateLocalOptions({}).ok());
  EXPECT_TRUE(ValidateLocalOptions({{"type", "tmpfs"}, {"device", "tmpfs"}, {"o", "size=1m"}}).ok());
  EXPECT_EQ(ValidateLocalOptions({{"foo", "bar"}}).message(), "invalid option: \"foo\"");
  EXPECT_EQ(ValidateLocalOptions({{"type", "tmpfs"}}).message(), "missing required option: \"device\"");
  EXPECT_EQ(ValidateLocalOptions({{"device", "tmpfs"}}).message(), "missing required option: \"type\"");
  EXPECT_EQ(ValidateLocalOptions({{"o", "size=1m"}}).message(), "missing required option: \"device\"");
  EXPECT_FALSE(NeedsMount({}));
  EXPECT_TRUE(NeedsMount({{"type", "tmpfs"}, {"device", "tmpfs"}}));
}

TEST(LocalDriver, MountsTheFilesystemWithItsOptions) {
  std::string dir = std::string(std::getenv("TEST_TMPDIR")) + "/local-driver";
  ASSERT_TRUE(fs::MakeDirectories(dir, 0755).ok());
  EXPECT_FALSE(IsMountPoint(dir));
  absl::Status mounted =
      MountLocal({{"type", "tmpfs"}, {"device", "tmpfs"}, {"o", "size=1m,noexec"}}, dir);
  ASSERT_TRUE(mounted.ok()) << mounted;
  EXPECT_TRUE(IsMountPoint(dir));
  struct statvfs st;
  ASSERT_EQ(::statvfs(dir.c_str(), &st), 0);
  EXPECT_EQ(st.f_blocks * st.f_frsize, 1u << 20);
  EXPECT_NE(st.f_flag & ST_NOEXEC, 0u);
  ASSERT_EQ(::umount2(dir.c_str(), MNT_DETACH), 0);
  EXPECT_FALSE(IsMountPoint(dir));
}

}  // namespace
}  // namespace berth::snapshots
