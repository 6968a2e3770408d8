// berth-init as PID 1 of a real container: exit codes, signals passed on,
// orphans reaped.

#include <signal.h>
#include <sys/stat.h>
#include <sys/wait.h>
#include <unistd.h>

#include <cstdlib>
#include <string>

#include "gtest/gtest.h"
#include "services/common/fs/fs_util.h"
#include "shim/container/spawn.h"

namespace berth::container {
namespace {

class InitTest : public ::testing::Test {
 protected:
  void SetUp() override {
    dir_ = std::string(std::getenv("TEST_TMPDIR")) + "/" +
           ::testing::UnitTest::GetInstance()->current_test_info()->name();
    ASSERT_TRUE(fs::RemoveAll(dir_).ok());
    std::string image = dir_ + "/image";
    std::string init = std::string(std::getenv("TEST_SRCDIR")) + "/berth/shim/init/berth-init";
    ASSERT_EQ(::system(("mkdir -p " + image + "/bin " + image + "/sbin " + dir_ +
                        "/rootfs && cp /bin/busybox " + image + "/bin/ && cp " + init + " " +
                        image + "/sbin/berth-init && for a in sh cat sleep grep ls echo; do ln -s "
                        "busybox " + image + "/bin/$a; done")
                           .c_str()),
              0);
    berth::shim::v1::Mount rootfs;
    rootfs.set_type("bind");
    rootfs.set_source(image);
    config_.rootfs = {rootfs};
    config_.rootfs_dir = dir_ + "/rootfs";
    config_.env = {"PATH=/bin:/sbin"};
  }

  pid_t Start(const std::string& script, int* out_fd) {
    int out[2];
    EXPECT_EQ(::pipe(out), 0);
    config_.args = {"/sbin/berth-init", "--", "sh", "-c", script};
    config_.stdout_fd = out[1];
    config_.stderr_fd = out[1];
    auto pid = Spawn(config_);
    ::close(out[1]);
    EXPECT_TRUE(pid.ok()) << pid.status();
    *out_fd = out[0];
    return pid.ok() ? *pid : -1;
  }

  static std::string ReadAll(int fd) {
    std::string output;
    char buffer[4096];
    ssize_t n;
    while ((n = ::read(fd, buffer, sizeof(buffer))) > 0) output.append(buffer, n);
    ::close(fd);
    return output;
  }

  static int Wait(pid_t pid) {
    int status = 0;
    ::waitpid(pid, &status, 0);
    return WIFEXITED(status) ? WEXITSTATUS(status) : 128 + WTERMSIG(status);
  }

  std::string dir_;
  SpawnConfig config_;
};

TEST_F(InitTest, PassesTheCommandsExitCode) {
  int out;
  pid_t pid = Start("echo pid-$$; exit 5", &out);
  std::string output = ReadAll(out);
  EXPECT_EQ(Wait(pid), 5);
  EXPECT_EQ(output, "pid-2\n") << "the command runs under berth-init (PID 1)";
}

TEST_F(InitTest, ReapsOrphans) {
  int out;
  // The inner shell exits at once; its sleep is orphaned to PID 1.
  pid_t pid = Start(
      "sh -c 'sleep 0.2 & exit 0'; sleep 0.6; "
      "cat /proc/[0-9]*/stat 2>/dev/null | grep -c ' Z ' || true",
      &out);
  std::string output = ReadAll(out);
  EXPECT_EQ(Wait(pid), 0);
  EXPECT_EQ(output, "0\n") << "zombies left: " << output;
}

TEST_F(InitTest, ForwardsSignalsToTheCommand) {
  int out;
  pid_t pid = Start("trap 'echo got-term; exit 3' TERM; echo ready; while true; do sleep 0.05; done",
                    &out);
  char ready[6] = {};
  ASSERT_EQ(::read(out, ready, 6), 6);
  ASSERT_EQ(::kill(pid, SIGTERM), 0);
  std::string output = ReadAll(out);
  EXPECT_EQ(Wait(pid), 3);
  EXPECT_NE(output.find("got-term"), std::string::npos) << output;
}

}  // namespace
}  // namespace berth::container
