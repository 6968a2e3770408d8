// berth-shim for real: launched detached, driven over its socket, with a
// busybox root filesystem, real namespaces and cgroups.

#include <signal.h>
#include <sys/stat.h>
#include <unistd.h>

#include <cstdlib>
#include <fstream>
#include <sstream>

#include "absl/strings/str_cat.h"
#include "gtest/gtest.h"
#include "services/common/fs/fs_util.h"
#include "shim/client/launch.h"
#include "shim/client/shim_client.h"
#include "shim/container/spawn.h"

namespace berth::shim {
namespace {

std::string ReadAll(const std::string& path) {
  std::ifstream in(path);
  std::stringstream text;
  text << in.rdbuf();
  return text.str();
}

class ShimTest : public ::testing::Test {
 protected:
  void SetUp() override {
    // Short: the socket path must fit in sun_path.
    char dir_template[] = "/tmp/shimtest.XXXXXX";
    ASSERT_NE(::mkdtemp(dir_template), nullptr);
    dir_ = dir_template;
    image_ = dir_ + "/image";
    bundle_ = dir_ + "/b";
    ASSERT_EQ(::system(("mkdir -p " + image_ + "/bin " + image_ + "/etc " + bundle_ +
                        " && cp /bin/busybox " + image_ + "/bin/ && for a in sh cat echo sleep " +
                        "yes head; do ln -s busybox " + image_ + "/bin/$a; done && echo " +
                        "'root:x:0:0:root:/root:/bin/sh' > " + image_ + "/etc/passwd")
                           .c_str()),
              0);
    binary_ = std::string(std::getenv("TEST_SRCDIR")) + "/berth/shim/berth-shim";
  }
  void TearDown() override {
    // A failed test may leave its shim and container running: stop them.
    int ignored = ::system(("pkill -KILL -f 'berth-shim --bundle " + bundle_ + "'").c_str());
    (void)ignored;
    fs::RemoveAll(dir_).IgnoreError();
  }

  v1::CreateRequest Request(std::vector<std::string> args) {
    v1::CreateRequest create;
    create.set_id(absl::StrCat("shimtest-", ::getpid(), "-", counter_++));
    create.set_bundle(bundle_);
    auto* rootfs = create.add_rootfs();
    rootfs->set_type("bind");
    rootfs->set_source(image_);
    rootfs->add_options("rw");
    for (auto& arg : args) create.mutable_process()->add_args(arg);
    create.mutable_process()->add_env("PATH=/bin");
    create.mutable_cgroup()->set_path("berth-test/" + create.id());
    create.set_log_path(bundle_ + "/json.log");
    create.set_log_max_files(1);
    for (const auto& path : container::DefaultMaskedPaths()) create.add_masked_paths(path);
    return create;
  }

  std::string dir_, image_, bundle_, binary_;
  int counter_ = 0;
};

TEST_F(ShimTest, RunsLogsReportsTheExitAndCleansUp) {
  auto create = Request({"sh", "-c", "echo out; echo err >&2; exit 3"});
  auto pid = LaunchShim(binary_, create);
  ASSERT_TRUE(pid.ok()) << pid.status();
  ShimClient client(bundle_ + "/sock");
  v1::WaitResponse exit;
  ASSERT_TRUE(client.Call("Wait", v1::WaitRequest(), &exit, absl::InfiniteDuration()).ok());
  EXPECT_EQ(exit.exit_status(), 3);
  EXPECT_FALSE(exit.oom_killed());
  std::string log = ReadAll(bundle_ + "/json.log");
  EXPECT_NE(log.find(R"({"log":"out\n","stream":"stdout")"), std::string::npos) << log;
  EXPECT_NE(log.find(R"({"log":"err\n","stream":"stderr")"), std::string::npos) << log;
  v1::StateResponse state;
  ASSERT_TRUE(client.Call("State", v1::StateRequest(), &state).ok());
  EXPECT_EQ(state.status(), "stopped");
  EXPECT_EQ(state.exit_status(), 3);
  // The exit is on disk too, for a tasks service that finds the shim gone.
  v1::WaitResponse on_disk;
  ASSERT_TRUE(on_disk.ParseFromString(ReadAll(bundle_ + "/exit")));
  EXPECT_EQ(on_disk.exit_status(), 3);
  v1::WaitResponse deleted;
  ASSERT_TRUE(client.Call("Delete", v1::Empty(), &deleted).ok());
  // The shim goes away, and so do its socket and cgroup.
  for (int i = 0; i < 100 && ::access((bundle_ + "/sock").c_str(), F_OK) == 0; ++i) ::usleep(20000);
  EXPECT_NE(::access((bundle_ + "/sock").c_str(), F_OK), 0);
  EXPECT_NE(::access(("/sys/fs/cgroup/pids/berth-test/" + create.id()).c_str(), F_OK), 0);
  EXPECT_NE(::access(("/sys/fs/cgroup/berth-test/" + create.id()).c_str(), F_OK), 0);
}

TEST_F(ShimTest, CriLogIsReopenedAtItsPathWhileRunning) {
  auto create = Request({"sh", "-c", "echo before; while [ ! -e /go ]; do sleep 0.1; done; echo after"});
  std::string log = dir_ + "/pods/ns_pod_uid/app/0.log";
  create.set_log_driver("cri");
  create.set_log_path(log);
  auto pid = LaunchShim(binary_, create);
  ASSERT_TRUE(pid.ok()) << pid.status();
  ShimClient client(bundle_ + "/sock");
  for (int i = 0; i < 200 && ReadAll(log).find(" stdout F before\n") == std::string::npos; ++i) {
    ::usleep(20000);
  }
  ASSERT_NE(ReadAll(log).find(" stdout F before\n"), std::string::npos) << ReadAll(log);
  // The kubelet's rotation: rename, then reopen.
  ASSERT_EQ(::rename(log.c_str(), (log + ".1").c_str()), 0);
  ASSERT_TRUE(client.Call("ReopenLog", v1::Empty(), nullptr).ok());
  EXPECT_EQ(::access(log.c_str(), F_OK), 0) << "no fresh file at the path";
  ASSERT_EQ(::system(("touch " + image_ + "/go").c_str()), 0);
  v1::WaitResponse exit;
  ASSERT_TRUE(client.Call("Wait", v1::WaitRequest(), &exit, absl::InfiniteDuration()).ok());
  std::string fresh = ReadAll(log), renamed = ReadAll(log + ".1");
  EXPECT_NE(fresh.find(" stdout F after\n"), std::string::npos) << fresh;
  EXPECT_EQ(fresh.find("before"), std::string::npos) << fresh;
  EXPECT_NE(renamed.find(" stdout F before\n"), std::string::npos) << renamed;
  EXPECT_EQ(renamed.find("after"), std::string::npos) << renamed;
  // As containerd: not once the container is gone.
  absl::Status late = client.Call("ReopenLog", v1::Empty(), nullptr);
  EXPECT_EQ(late.code(), absl::StatusCode::kFailedPrecondition) << late;
  v1::WaitResponse deleted;
  ASSERT_TRUE(client.Call("Delete", v1::Empty(), &deleted).ok());
}

TEST_F(ShimTest, KillPauseStatsAndAttach) {
  auto create = Request({"sh", "-c", "trap 'echo got-term; exit 7' TERM; while true; do sleep 0.05; done"});
  create.mutable_resources()->set_pids_limit(50);
  create.mutable_resources()->set_memory_bytes(64 << 20);
  auto pid = LaunchShim(binary_, create);
  ASSERT_TRUE(pid.ok()) << pid.status();
  ShimClient client(bundle_ + "/sock");
  v1::StatsResponse stats;
  ASSERT_TRUE(client.Call("Stats", v1::Empty(), &stats).ok());
  EXPECT_EQ(stats.stats().pids_limit(), 50u);
  EXPECT_EQ(stats.stats().memory_limit_bytes(), 64u << 20);
  EXPECT_GE(stats.stats().pids_current(), 1u);
  v1::PidsResponse pids;
  ASSERT_TRUE(client.Call("Pids", v1::Empty(), &pids).ok());
  ASSERT_GE(pids.pids_size(), 1);
  EXPECT_EQ(pids.pids(0), *pid);

  ASSERT_TRUE(client.Call("Pause", v1::Empty(), nullptr).ok());
  v1::StateResponse state;
  ASSERT_TRUE(client.Call("State", v1::StateRequest(), &state).ok());
  EXPECT_EQ(state.status(), "paused");
  ASSERT_TRUE(client.Call("Resume", v1::Empty(), nullptr).ok());

  v1::AttachRequest attach;
  attach.set_stdout(true);
  auto attachment = ShimAttachment::Open(bundle_ + "/sock", attach);
  ASSERT_TRUE(attachment.ok()) << attachment.status();
  v1::KillRequest kill;
  kill.set_signal(SIGTERM);
  ASSERT_TRUE(client.Call("Kill", kill, nullptr).ok());
  std::string seen;
  while (true) {
    auto frame = attachment->Next();
    ASSERT_TRUE(frame.ok()) << frame.status();
    if (!frame->has_value()) break;
    seen += (*frame)->data();
  }
  EXPECT_EQ(seen, "got-term\n");
  v1::WaitResponse exit;
  ASSERT_TRUE(client.Call("Wait", v1::WaitRequest(), &exit, absl::InfiniteDuration()).ok());
  EXPECT_EQ(exit.exit_status(), 7);
  EXPECT_TRUE(client.Call("Kill", kill, nullptr).code() == absl::StatusCode::kNotFound);
  ASSERT_TRUE(client.Call("Delete", v1::Empty(), nullptr).ok());
}

TEST_F(ShimTest, StartFailuresAreReported) {
  auto missing = Request({"no-such-command"});
  auto pid = LaunchShim(binary_, missing);
  ASSERT_FALSE(pid.ok());
  EXPECT_NE(pid.status().message().find("executable file not found"), std::string::npos)
      << pid.status();
  auto user = Request({"true"});
  user.mutable_process()->set_user("ghost");
  pid = LaunchShim(binary_, user);
  ASSERT_FALSE(pid.ok());
  EXPECT_NE(pid.status().message().find("unable to find user ghost"), std::string::npos);
  EXPECT_NE(::access(("/sys/fs/cgroup/pids/berth-test/" + user.id()).c_str(), F_OK), 0);
}

TEST_F(ShimTest, OomKillIsReported) {
  // tail buffers everything it reads, so /dev/zero without newlines grows it.
  auto create = Request({"sh", "-c", "head -c 200m /dev/zero | tail > /dev/null"});
  ASSERT_EQ(::system(("ln -s busybox " + image_ + "/bin/tail").c_str()), 0);
  create.mutable_resources()->set_memory_bytes(16 << 20);
  create.mutable_resources()->set_memory_swap_bytes(16 << 20);
  auto pid = LaunchShim(binary_, create);
  ASSERT_TRUE(pid.ok()) << pid.status();
  ShimClient client(bundle_ + "/sock");
  v1::WaitResponse exit;
  ASSERT_TRUE(client.Call("Wait", v1::WaitRequest(), &exit, absl::InfiniteDuration()).ok());
  EXPECT_TRUE(exit.oom_killed());
  ASSERT_TRUE(client.Call("Delete", v1::Empty(), nullptr).ok());
}

}  // namespace
}  // namespace berth::shim
