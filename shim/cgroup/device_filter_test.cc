#include "shim/cgroup/device_filter.h"

#include <fcntl.h>
#include <sys/stat.h>
#include <sys/sysmacros.h>
#include <sys/wait.h>
#include <unistd.h>

#include <cerrno>
#include <cstdlib>
#include <fstream>
#include <string>

#include "gtest/gtest.h"

namespace berth::cgroup {
namespace {

TEST(DeviceFilterTest, ProgramShape) {
  // Prologue (6), per rule its checks + allow + exit, then deny + exit.
  EXPECT_EQ(DeviceFilterProgram({}).size(), 8u);
  // c 1:3 rwm: type, major, minor checks.
  EXPECT_EQ(DeviceFilterProgram({{'c', 1, 3, "rwm"}}).size(), 8u + 5);
  // b *:* m: type check, access (move, and, jump).
  auto program = DeviceFilterProgram({{'b', kAnyDevice, kAnyDevice, "m"}});
  ASSERT_EQ(program.size(), 8u + 6);
  // The type check jumps past the block's remaining 5 instructions.
  EXPECT_EQ(program[6].off, 5);
  EXPECT_EQ(program[6].imm, BPF_DEVCG_DEV_BLOCK);
  EXPECT_EQ(program[8].imm, BPF_DEVCG_ACC_READ | BPF_DEVCG_ACC_WRITE);
}

// The unified hierarchy (/sys/fs/cgroup on v2, /sys/fs/cgroup/unified on a
// hybrid host): the kernel runs its device programs on either.
std::string UnifiedRoot() {
  std::ifstream mounts("/proc/self/mounts");
  std::string device, target, type, rest;
  while (mounts >> device >> target >> type && std::getline(mounts, rest)) {
    if (type == "cgroup2") return target;
  }
  return "";
}

// 0 when open(path, flags) does what `expect_errno` says (0: it opens).
int Expect(const char* path, int flags, int expect_errno) {
  int fd = ::open(path, flags | O_CLOEXEC);
  int error = fd < 0 ? errno : 0;
  if (fd >= 0) ::close(fd);
  return error == expect_errno ? 0 : 1;
}

// A process in a cgroup with docker's default rules: /dev/null opens, a
// node it may make (mknod is allowed) of a denied device does not, and
// without the filter the same node opens (the control).
TEST(DeviceFilterTest, DeniesWhatNoRuleAllowsInARealCgroup) {
  if (::geteuid() != 0) GTEST_SKIP() << "needs root";
  std::string root = UnifiedRoot();
  if (root.empty()) GTEST_SKIP() << "no cgroup2 mount";
  std::string dir = root + "/berth-devfilter-test-" + std::to_string(::getpid());
  if (::mkdir(dir.c_str(), 0755) != 0) GTEST_SKIP() << "cannot make a cgroup in " << root;
  char nodes[] = "/tmp/berth-devfilter-XXXXXX";
  ASSERT_NE(::mkdtemp(nodes), nullptr);
  std::string kmsg = std::string(nodes) + "/kmsg";   // c 1:11, not in the defaults
  std::string null = std::string(nodes) + "/null";   // c 1:3
  std::string loop = std::string(nodes) + "/loop";   // b 7:0
  ASSERT_EQ(::mknod(kmsg.c_str(), S_IFCHR | 0600, makedev(1, 11)), 0);
  ASSERT_EQ(::mknod(null.c_str(), S_IFCHR | 0666, makedev(1, 3)), 0);
  // Without a filter the denied one opens: what the filter changes.
  EXPECT_EQ(Expect(kmsg.c_str(), O_RDONLY, 0), 0);

  absl::Status attached = AttachDeviceFilter(dir, DefaultDeviceRules());
  ASSERT_TRUE(attached.ok()) << attached;
  pid_t child = ::fork();
  if (child == 0) {
    std::ofstream(dir + "/cgroup.procs") << ::getpid() << std::flush;
    int failures = 0;
    failures += Expect(null.c_str(), O_RDWR, 0);
    failures += Expect(kmsg.c_str(), O_RDONLY, EPERM) << 1;
    failures += Expect(kmsg.c_str(), O_WRONLY, EPERM) << 2;
    // mknod is allowed for any node (c *:* m, b *:* m); opening it is not.
    failures += (::mknod(loop.c_str(), S_IFBLK | 0600, makedev(7, 0)) == 0 ? 0 : 1) << 3;
    failures += Expect(loop.c_str(), O_RDONLY, EPERM) << 4;
    ::_exit(failures);
  }
  int status = 0;
  ASSERT_EQ(::waitpid(child, &status, 0), child);
  EXPECT_TRUE(WIFEXITED(status));
  EXPECT_EQ(WEXITSTATUS(status), 0) << "failed checks (bit mask): " << WEXITSTATUS(status);
  ::unlink(kmsg.c_str());
  ::unlink(null.c_str());
  ::unlink(loop.c_str());
  ::rmdir(nodes);
  EXPECT_EQ(::rmdir(dir.c_str()), 0);
}

}  // namespace
}  // namespace berth::cgroup
