#include "services/common/mount/mount_options.h"

#include <sys/mount.h>

#include "gtest/gtest.h"

namespace berth::mount {
namespace {

TEST(ParseMountOptions, FlagsLeaveTheDataAndDefaultsCanBeCleared) {
  auto parsed = ParseMountOptions("rw,noexec,size=64m,mode=1777", MS_NOSUID);
  EXPECT_EQ(parsed.flags, static_cast<unsigned long>(MS_NOSUID | MS_NOEXEC));
  EXPECT_EQ(parsed.data, "size=64m,mode=1777");

  parsed = ParseMountOptions("exec,ro", MS_NOEXEC | MS_NODEV);
  EXPECT_EQ(parsed.flags, static_cast<unsigned long>(MS_NODEV | MS_RDONLY));
  EXPECT_EQ(parsed.data, "");
}

}  // namespace
}  // namespace berth::mount
