// Containers for real: namespaces, mounts, pivot_root on this kernel, with
// a root filesystem of busybox-static.

#include "shim/container/spawn.h"

#include <signal.h>
#include <sys/resource.h>
#include <sys/stat.h>
#include <sys/wait.h>
#include <unistd.h>

#include <cstdio>
#include <cstdlib>
#include <fstream>
#include <sstream>

#include "absl/strings/str_cat.h"
#include "gtest/gtest.h"
#include "services/common/fs/fs_util.h"
#include "shim/container/capabilities.h"
#include "shim/container/exec.h"

namespace berth::container {
namespace {

class SpawnTest : public ::testing::Test {
 protected:
  void SetUp() override {
    dir_ = std::string(std::getenv("TEST_TMPDIR")) + "/" +
           ::testing::UnitTest::GetInstance()->current_test_info()->name();
    ASSERT_TRUE(fs::RemoveAll(dir_).ok());
    image_ = dir_ + "/image";
    std::string probe = std::string(std::getenv("TEST_SRCDIR")) + "/berth/shim/container/syscall_probe";
    ASSERT_EQ(::system(("mkdir -p " + image_ + "/bin " + image_ + "/tmp " + dir_ + "/rootfs && cp " + probe + " " +
                        image_ + "/bin/probe && cp /bin/busybox " +
                        image_ + "/bin/ && for a in sh cat echo hostname ls grep wc touch mount " +
                        "readlink tty stty sleep stat id chown head; do ln -s busybox " + image_ + "/bin/$a; done")
                           .c_str()),
              0);
  }

  // Runs a shell command in a container; returns its stdout and exit code.
  std::pair<std::string, int> Run(const std::string& script, SpawnConfig config = {}) {
    int out[2];
    EXPECT_EQ(::pipe(out), 0);
    berth::shim::v1::Mount rootfs;
    rootfs.set_type("bind");
    rootfs.set_source(image_);
    rootfs.add_options("rw");
    if (config.rootfs.empty()) config.rootfs = {rootfs};
    config.rootfs_dir = dir_ + "/rootfs";
    if (config.args.empty()) config.args = {"sh", "-c", script};
    config.env = {"PATH=/bin"};
    config.stdout_fd = out[1];
    config.stderr_fd = out[1];
    if (config.masked_paths.empty()) config.masked_paths = DefaultMaskedPaths();
    if (config.readonly_paths.empty()) config.readonly_paths = DefaultReadonlyPaths();
    auto pid = Spawn(config);
    ::close(out[1]);
    if (!pid.ok()) {
      ::close(out[0]);
      last_error_ = pid.status();
      return {"", -1};
    }
    std::string output;
    char buffer[4096];
    ssize_t n;
    while ((n = ::read(out[0], buffer, sizeof(buffer))) > 0) output.append(buffer, n);
    ::close(out[0]);
    int status = 0;
    ::waitpid(*pid, &status, 0);
    return {output, WIFEXITED(status) ? WEXITSTATUS(status) : 128 + WTERMSIG(status)};
  }

  // The container's base config (root filesystem, paths).
  SpawnConfig Base() {
    SpawnConfig config;
    berth::shim::v1::Mount rootfs;
    rootfs.set_type("bind");
    rootfs.set_source(image_);
    rootfs.add_options("rw");
    config.rootfs = {rootfs};
    config.rootfs_dir = dir_ + "/rootfs";
    config.env = {"PATH=/bin"};
    return config;
  }

  // Everything a terminal's master gives until its last slave closes (EIO).
  static std::string ReadAll(int fd) {
    std::string output;
    char buffer[4096];
    ssize_t n;
    while ((n = ::read(fd, buffer, sizeof(buffer))) > 0) output.append(buffer, n);
    return output;
  }

  // Runs an exec (output and errors on one pipe); returns its output and
  // wait status, or {"", -1} with last_error_ set.
  std::pair<std::string, int> RunExec(ExecConfig exec) {
    int out[2];
    EXPECT_EQ(::pipe(out), 0);
    exec.stdout_fd = out[1];
    exec.stderr_fd = out[1];
    auto pid = SpawnExec(exec);
    ::close(out[1]);
    if (!pid.ok()) {
      ::close(out[0]);
      last_error_ = pid.status();
      return {"", -1};
    }
    std::string output = ReadAll(out[0]);
    ::close(out[0]);
    int status = 0;
    EXPECT_EQ(::waitpid(*pid, &status, 0), *pid) << "the exec is our child";
    last_exec_pid_ = *pid;
    return {output, status};
  }

  // A container in a user namespace mapping 0-65535 to 200000-265535, its
  // root an overlay of the image with an upper directory in snap/.
  SpawnConfig RemappedOverlay() {
    SpawnConfig config;
    config.uid_map = {{0, 200000, 65536}};
    config.gid_map = {{0, 200000, 65536}};
    EXPECT_EQ(::system(("mkdir -p " + dir_ + "/snap/fs " + dir_ + "/snap/work").c_str()), 0);
    berth::shim::v1::Mount overlay;
    overlay.set_type("overlay");
    overlay.set_source("overlay");
    overlay.add_options("index=off");
    overlay.add_options("lowerdir=" + image_);
    overlay.add_options("upperdir=" + dir_ + "/snap/fs");
    overlay.add_options("workdir=" + dir_ + "/snap/work");
    config.rootfs = {overlay};
    return config;
  }

  std::string dir_, image_;
  absl::Status last_error_;
  pid_t last_exec_pid_ = 0;
};

// Whitespace-separated words of a text.
std::vector<std::string> Words(const std::string& text) {
  std::istringstream in(text);
  std::vector<std::string> words;
  for (std::string word; in >> word;) words.push_back(word);
  return words;
}

TEST_F(SpawnTest, UserNamespaceRootIsAnUnprivilegedHostUserSeeingTheImageAsRoot) {
  ASSERT_EQ(::chown((image_ + "/bin/busybox").c_str(), 1000, 1000), 0);
  SpawnConfig config = RemappedOverlay();
  auto [out, code] = Run(
      "cat /proc/self/uid_map /proc/self/gid_map; id -u; stat -c %u:%g /bin/busybox /bin/probe; "
      "touch /written && echo hi > /dev/null && head -c 3 /dev/zero | wc -c",
      config);
  ASSERT_EQ(code, 0) << out << last_error_;
  EXPECT_EQ(Words(out), (std::vector<std::string>{"0", "200000", "65536", "0", "200000", "65536",
                                                  "0", "1000:1000", "0:0", "3"}))
      << out;
  // What the container's root wrote is stored as the host's root: the
  // layer means the same with or without the namespace (commit, cp).
  struct stat st;
  ASSERT_EQ(::stat((dir_ + "/snap/fs/written").c_str(), &st), 0);
  EXPECT_EQ(st.st_uid, 0u);
  EXPECT_EQ(st.st_gid, 0u);
}

TEST_F(SpawnTest, UserNamespaceIdmapsOnlyTheMountsAskedFor) {
  SpawnConfig config = RemappedOverlay();
  ASSERT_EQ(::system(("mkdir -p " + dir_ + "/volume " + dir_ + "/hostdir").c_str()), 0);
  ContainerMount volume;
  volume.source = dir_ + "/volume";
  volume.destination = "/volume";
  volume.idmap = true;
  ContainerMount host;
  host.source = dir_ + "/hostdir";
  host.destination = "/hostdir";
  config.mounts = {volume, host};
  auto [out, code] = Run(
      "stat -c %u /volume /hostdir; touch /volume/mine && echo volume-ok; "
      "touch /hostdir/x 2>/dev/null || echo hostdir-denied",
      config);
  ASSERT_EQ(code, 0) << out << last_error_;
  EXPECT_EQ(Words(out), (std::vector<std::string>{"0", "65534", "volume-ok", "hostdir-denied"}))
      << out;
  struct stat st;
  ASSERT_EQ(::stat((dir_ + "/volume/mine").c_str(), &st), 0);
  EXPECT_EQ(st.st_uid, 0u);
}

TEST_F(SpawnTest, UserNamespaceRootCannotTouchTheHost) {
  SpawnConfig config = RemappedOverlay();
  config.capabilities = ~uint64_t{0};  // every capability, in its own namespace only
  ASSERT_EQ(::system(("mkdir -p " + dir_ + "/hostdir && touch " + dir_ + "/hostdir/file").c_str()), 0);
  ContainerMount host;
  host.source = dir_ + "/hostdir";
  host.destination = "/hostdir";
  config.mounts = {host};
  auto [out, code] = Run(
      "mount -t tmpfs none /tmp && echo own-tmpfs; (echo x > /hostdir/file) 2>/dev/null || "
      "echo write-denied; chown 0 /hostdir/file 2>/dev/null || echo chown-denied",
      config);
  ASSERT_EQ(code, 0) << out << last_error_;
  EXPECT_EQ(Words(out), (std::vector<std::string>{"own-tmpfs", "write-denied", "chown-denied"}))
      << out;
}

TEST_F(SpawnTest, ExecJoinsAUserNamespacedContainer) {
  SpawnConfig config = RemappedOverlay();
  config.args = {"sleep", "100"};
  config.env = {"PATH=/bin"};
  config.rootfs_dir = dir_ + "/rootfs";
  auto target = Spawn(config);
  ASSERT_TRUE(target.ok()) << target.status();
  ExecConfig exec;
  exec.target = *target;
  exec.args = {"sh", "-c", "cat /proc/self/uid_map; id -u; touch /from-exec"};
  exec.env = {"PATH=/bin"};
  auto [output, status] = RunExec(exec);
  EXPECT_EQ(status, 0) << output << last_error_;
  EXPECT_EQ(Words(output), (std::vector<std::string>{"0", "200000", "65536", "0"})) << output;
  struct stat st;
  EXPECT_EQ(::stat((dir_ + "/snap/fs/from-exec").c_str(), &st), 0);
  ::kill(*target, SIGKILL);
  ::waitpid(*target, nullptr, 0);
}

TEST_F(SpawnTest, TerminalFromTheContainersDevpts) {
  SpawnConfig config = Base();
  config.args = {"sh", "-c", "tty; stty size; test -t 1 && echo stdout-is-a-tty"};
  config.terminal = true;
  config.rows = 33;
  config.cols = 77;
  UniqueFd console;
  config.console = &console;
  auto pid = Spawn(config);
  ASSERT_TRUE(pid.ok()) << pid.status();
  ASSERT_TRUE(console.valid());
  std::string out = ReadAll(console.get());
  int status = 0;
  ::waitpid(*pid, &status, 0);
  EXPECT_EQ(status, 0);
  EXPECT_EQ(out, "/dev/pts/0\r\n33 77\r\nstdout-is-a-tty\r\n");
}

TEST_F(SpawnTest, ExecJoinsTheContainersNamespaces) {
  SpawnConfig config = Base();
  config.hostname = "boxed";
  config.args = {"sleep", "100"};
  auto target = Spawn(config);
  ASSERT_TRUE(target.ok()) << target.status();

  ExecConfig exec;
  exec.target = *target;
  exec.args = {"sh", "-c", "hostname; cat /proc/1/cmdline; echo; echo $$; ls /proc | grep -c '^[0-9]'"};
  exec.env = {"PATH=/bin"};
  exec.cwd = "/tmp";
  pid_t joined = 0;
  exec.before_start = [&joined](pid_t pid) {
    joined = pid;
    return absl::OkStatus();
  };
  auto [output, status] = RunExec(exec);
  EXPECT_EQ(joined, last_exec_pid_);
  EXPECT_EQ(status, 0) << output << last_error_;
  // Its own hostname and pid namespace: the container's PID 1, itself a
  // small pid, and only the container's processes.
  std::istringstream lines(output);
  std::string hostname, cmdline, self, count;
  std::getline(lines, hostname);
  std::getline(lines, cmdline);
  std::getline(lines, self);
  std::getline(lines, count);
  EXPECT_EQ(hostname, "boxed") << output;
  EXPECT_EQ(cmdline, std::string("sleep\0" "100\0", 10)) << output;
  EXPECT_LT(std::stoi(self), 10) << output;
  EXPECT_LE(std::stoi(count), 4) << output;

  exec.args = {"no-such-command"};
  exec.stdout_fd = exec.stderr_fd = -1;
  auto missing = SpawnExec(exec);
  EXPECT_TRUE(absl::IsNotFound(missing.status())) << missing.status();
  ::kill(*target, SIGKILL);
  ::waitpid(*target, nullptr, 0);
}

TEST_F(SpawnTest, CommandIsPidOneWithItsOwnHostnameAndProcesses) {
  SpawnConfig config;
  config.hostname = "boxed";
  auto [out, code] = Run("echo pid=$$; hostname; ls /proc | grep -c '^[0-9]'", config);
  ASSERT_EQ(code, 0) << out << last_error_;
  std::istringstream lines(out);
  std::string pid, hostname, count;
  std::getline(lines, pid);
  std::getline(lines, hostname);
  std::getline(lines, count);
  EXPECT_EQ(pid, "pid=1");
  EXPECT_EQ(hostname, "boxed");
  EXPECT_LE(std::stoi(count), 3) << "host processes visible: " << out;
}

// The test's own namespaces stand for another container's: the command
// is born in them, is not PID 1, keeps the test's hostname, and its exit
// status still comes back.
TEST_F(SpawnTest, JoinedPidIpcAndUtsNamespaces) {
  SpawnConfig config;
  config.hostname = "boxed";
  config.pidns_path = "/proc/self/ns/pid";
  config.ipcns_path = "/proc/self/ns/ipc";
  config.utsns_path = "/proc/self/ns/uts";
  auto [out, code] = Run(
      "echo pid=$$; hostname; for t in pid ipc uts; do readlink /proc/self/ns/$t; done; exit 3",
      config);
  ASSERT_EQ(code, 3) << out << last_error_;
  char host[256] = {};
  ASSERT_EQ(::gethostname(host, sizeof(host) - 1), 0);
  std::string expected = absl::StrCat(host, "\n");
  for (const char* type : {"pid", "ipc", "uts"}) {
    char link[256] = {};
    ASSERT_GT(::readlink(absl::StrCat("/proc/self/ns/", type).c_str(), link, sizeof(link) - 1), 0);
    absl::StrAppend(&expected, link, "\n");
  }
  EXPECT_NE(out.substr(0, out.find('\n')), "pid=1");
  EXPECT_EQ(out.substr(out.find('\n') + 1), expected);
}

TEST_F(SpawnTest, FilesystemIsTheImageWithDevProcSys) {
  auto [out, code] = Run(
      "ls /; ls /dev; readlink /dev/ptmx; echo x > /dev/null && echo null-ok; "
      "cat /proc/kcore | wc -c; touch /sys/kernel/x 2>/dev/null || echo sys-ro; "
      "echo 1 > /proc/sysrq-trigger 2>/dev/null || echo sysrq-ro; "
      "grep -c ' /dev/pts ' /proc/mounts; ls /oldroot 2>&1 | grep -c 'No such'");
  ASSERT_EQ(code, 0) << out << last_error_;
  for (const char* expected : {"bin\n", "null\n", "urandom\n", "pts\n", "shm\n", "mqueue\n",
                               "pts/ptmx\n", "null-ok\n", "sys-ro\n", "sysrq-ro\n"}) {
    EXPECT_NE(out.find(expected), std::string::npos) << expected << " missing in:\n" << out;
  }
  // /proc/kcore is masked: reading it gives nothing.
  EXPECT_NE(out.find("\n0\n"), std::string::npos) << out;
  // The host's root is nowhere to be seen.
  struct stat st;
  EXPECT_NE(::stat((dir_ + "/rootfs/bin").c_str(), &st), 0)
      << "the container's mounts leaked into the host's namespace";
}

TEST_F(SpawnTest, ReadOnlyRootRefusesWrites) {
  SpawnConfig config;
  config.read_only_root = true;
  auto [out, code] = Run("touch /newfile 2>/dev/null && echo wrote || echo refused; "
                         "touch /dev/shm/ok && echo shm-ok",
                         config);
  ASSERT_EQ(code, 0) << out << last_error_;
  EXPECT_NE(out.find("refused"), std::string::npos) << out;
  EXPECT_NE(out.find("shm-ok"), std::string::npos) << out;
  struct stat st;
  EXPECT_NE(::stat((image_ + "/newfile").c_str(), &st), 0);
}

TEST_F(SpawnTest, ExitCodeAndMissingCommand) {
  auto [out, code] = Run("exit 7");
  EXPECT_EQ(code, 7);
  SpawnConfig config;
  config.args = {"no-such-command"};
  auto [out2, code2] = Run("", config);
  EXPECT_EQ(code2, -1);
  EXPECT_EQ(last_error_.code(), absl::StatusCode::kNotFound);
  EXPECT_EQ(last_error_.message(), "exec: \"no-such-command\": executable file not found in $PATH");
}

TEST_F(SpawnTest, UserAndWorkingDirectory) {
  SpawnConfig config;
  config.uid = 65534;
  config.gid = 65534;
  config.cwd = "/bin";
  auto [out, code] = Run("echo $(cat /proc/self/status | grep ^Uid | wc -w) $PWD; "
                         "grep ^Uid /proc/self/status",
                         config);
  ASSERT_EQ(code, 0) << out << last_error_;
  EXPECT_NE(out.find("/bin"), std::string::npos) << out;
  EXPECT_NE(out.find("65534"), std::string::npos) << out;
}

TEST_F(SpawnTest, DefaultCapabilitiesDenyMountAndHostname) {
  auto mask = CapabilityMask({}, {}, false);
  ASSERT_TRUE(mask.ok());
  SpawnConfig config;
  config.capabilities = *mask;
  config.no_new_privileges = true;
  auto [out, code] = Run("grep -E '^(CapEff|CapBnd|NoNewPrivs)' /proc/self/status; "
                         "mkdir -p /mnt; mount -t tmpfs none /mnt 2>/dev/null && echo mounted || echo no-mount; "
                         "hostname other 2>/dev/null && echo renamed || echo no-hostname",
                         config);
  ASSERT_EQ(code, 0) << out << last_error_;
  char expected[32];
  std::snprintf(expected, sizeof(expected), "%016llx", static_cast<unsigned long long>(*mask));
  EXPECT_NE(out.find(std::string("CapEff:\t") + expected), std::string::npos) << out;
  EXPECT_NE(out.find(std::string("CapBnd:\t") + expected), std::string::npos) << out;
  EXPECT_NE(out.find("NoNewPrivs:\t1"), std::string::npos) << out;
  EXPECT_NE(out.find("no-mount"), std::string::npos) << out;
  EXPECT_NE(out.find("no-hostname"), std::string::npos) << out;
}

TEST_F(SpawnTest, CapAddSysAdminAllowsMount) {
  auto mask = CapabilityMask({"SYS_ADMIN"}, {"NET_RAW"}, false);
  ASSERT_TRUE(mask.ok());
  EXPECT_EQ(*mask >> 21 & 1, 1u);  // CAP_SYS_ADMIN
  EXPECT_EQ(*mask >> 13 & 1, 0u);  // CAP_NET_RAW
  SpawnConfig config;
  config.capabilities = *mask;
  auto [out, code] = Run("mkdir -p /mnt; mount -t tmpfs none /mnt && echo mounted; "
                         "hostname other && hostname",
                         config);
  ASSERT_EQ(code, 0) << out << last_error_;
  EXPECT_NE(out.find("mounted"), std::string::npos) << out;
  EXPECT_NE(out.find("other"), std::string::npos) << out;
}

TEST_F(SpawnTest, NonRootUserHasNoEffectiveCapabilities) {
  SpawnConfig config;
  config.capabilities = *CapabilityMask({}, {}, false);
  config.uid = 1000;
  config.gid = 1000;
  auto [out, code] = Run("grep ^CapEff /proc/self/status", config);
  ASSERT_EQ(code, 0) << out << last_error_;
  EXPECT_NE(out.find("CapEff:\t0000000000000000"), std::string::npos) << out;
}

TEST(CapabilityMaskTest, NamesPrivilegedAndTheBoundingSet) {
  uint64_t all = ~uint64_t{0} >> (63 - LastCapability());
  EXPECT_EQ(*CapabilityMask({}, {}, true, all), all);
  EXPECT_EQ(*CapabilityMask({}, {"ALL"}, false, all), 0u);
  EXPECT_EQ(*CapabilityMask({"cap_sys_admin"}, {"ALL"}, false, all), 0u) << "drop applies last";
  // Never more than the host allows: this host's root lacks CAP_SYS_RESOURCE.
  uint64_t bounding = all & ~(uint64_t{1} << 24);
  EXPECT_EQ(*CapabilityMask({"SYS_RESOURCE"}, {}, false, bounding) >> 24 & 1, 0u);
  auto bad = CapabilityMask({"FLY"}, {}, false, all);
  ASSERT_FALSE(bad.ok());
  EXPECT_NE(bad.status().message().find("unknown capability: \"FLY\""), std::string::npos);
}

TEST_F(SpawnTest, DefaultSeccompBlocksKeyringsNamespacesAndMounts) {
  // Even with CAP_SYS_ADMIN for mount, the filter stops keyctl; without
  // CAP_SYS_ADMIN it also stops unshare and sethostname.
  SpawnConfig config;
  config.capabilities = *CapabilityMask({}, {}, false);
  config.seccomp = true;
  config.args = {"/bin/probe"};
  auto [out, code] = Run("", config);
  ASSERT_EQ(code, 0) << out << last_error_;
  for (const char* expected : {"keyctl=EPERM", "unshare=EPERM", "mount=EPERM",
                               "sethostname=EPERM", "getpid=OK"}) {
    EXPECT_NE(out.find(expected), std::string::npos) << expected << " in:\n" << out;
  }
}

TEST_F(SpawnTest, PrivilegedUnconfinedContainerMayDoItAll) {
  SpawnConfig config;
  config.capabilities = *CapabilityMask({}, {}, /*privileged=*/true);
  config.seccomp = false;
  config.args = {"/bin/probe"};
  auto [out, code] = Run("", config);
  ASSERT_EQ(code, 0) << out << last_error_;
  for (const char* expected : {"keyctl=OK", "unshare=OK", "mount=OK", "sethostname=OK"}) {
    EXPECT_NE(out.find(expected), std::string::npos) << expected << " in:\n" << out;
  }
}

TEST_F(SpawnTest, MountsAreMadeInsideTheRootEvenThroughHostileSymlinks) {
  // The image's /etc/hosts is an absolute symlink to a host path (which
  // also exists inside the image) and its /data a symlink to /tmp: the
  // binds must land inside the container, the host's file untouched.
  std::string host_file = dir_ + "/hosts";
  std::string victim = dir_ + "/victim";
  ASSERT_EQ(::system(("mkdir -p " + image_ + "/etc && echo host-side > " + host_file +
                      " && echo untouched > " + victim + " && mkdir -p " + image_ + dir_ + " && touch " + image_ + victim + " && ln -s " + victim + " " + image_ +
                      "/etc/hosts && ln -s /tmp " + image_ + "/data && mkdir -p " + dir_ +
                      "/vol && echo volume > " + dir_ + "/vol/f")
                         .c_str()),
            0);
  SpawnConfig config;
  config.mounts = {{"bind", host_file, "/etc/hosts", true, ""},
                   {"bind", dir_ + "/vol", "/data", false, ""},
                   {"tmpfs", "", "/scratch/deep", false, "size=1m"}};
  auto [out, code] = Run(
      "cat /etc/hosts; cat /tmp/f; (echo x > /etc/hosts) 2>/dev/null || echo ro-refused; "
      "grep -c ' /scratch/deep tmpfs' /proc/mounts",
      config);
  ASSERT_EQ(code, 0) << out << last_error_;
  EXPECT_EQ(out, "host-side\nvolume\nro-refused\n1\n");
  std::ifstream untouched(victim);
  std::string content;
  std::getline(untouched, content);
  EXPECT_EQ(content, "untouched");
}

// Protected last, in the container's view: a read-only /etc still takes
// its bind of /etc/hosts, and an absolute symlink in the image resolves in
// the container, not on the host.
TEST_F(SpawnTest, ReadOnlyAndMaskedPathsComeAfterTheMounts) {
  std::string host_file = dir_ + "/hosts";
  ASSERT_EQ(::system(("mkdir -p " + image_ + "/etc " + image_ + "/secret " + image_ + "/open && echo host-side > " +
                      host_file + " && echo hidden > " + image_ + "/secret/f && echo shown > " + image_ +
                      "/open/f && ln -s /secret " + image_ + "/link")
                         .c_str()),
            0);
  SpawnConfig config;
  config.mounts = {{"bind", host_file, "/etc/hosts", false, ""}};
  config.readonly_paths = {"/etc", "/not-in-the-image"};
  config.masked_paths = {"/link", "/bin/probe", "/missing"};
  auto [out, code] = Run(
      "cat /etc/hosts; (touch /etc/new) 2>/dev/null || echo etc-ro; echo rw >> /etc/hosts && echo hosts-rw; "
      "ls /secret; cat /open/f; (/bin/probe) >/dev/null 2>&1 || echo probe-masked; cat /bin/probe; "
      "touch /tmp/ok && echo tmp-rw",
      config);
  ASSERT_EQ(code, 0) << out << last_error_;
  EXPECT_EQ(out, "host-side\netc-ro\nhosts-rw\nshown\nprobe-masked\ntmp-rw\n");
}

TEST_F(SpawnTest, BeforeStartRunsBeforeTheChildAndItsErrorStopsIt) {
  SpawnConfig config;
  pid_t seen = 0;
  config.before_start = [&seen](pid_t pid) {
    seen = pid;
    return absl::OkStatus();
  };
  config.rlimits = {{RLIMIT_NOFILE, 64, 128}};
  auto [out, code] = Run("ulimit -n; ulimit -Hn", config);
  ASSERT_EQ(code, 0) << out << last_error_;
  EXPECT_GT(seen, 0);
  EXPECT_EQ(out, "64\n128\n");

  config.before_start = [](pid_t) { return absl::UnavailableError("no cgroup for you"); };
  auto [out2, code2] = Run("echo should-not-run", config);
  EXPECT_EQ(code2, -1);
  EXPECT_EQ(out2, "");
  EXPECT_EQ(last_error_.message(), "no cgroup for you");
}

TEST_F(SpawnTest, DockerJsonSeccompProfile) {
  // mkdir refused with EACCES; uname refused only without CAP_SYS_ADMIN
  // (an excludes rule), as Docker's profile format says.
  SpawnConfig config;
  config.capabilities = *CapabilityMask({}, {}, false);
  config.seccomp_profile_json = R"({
    "defaultAction": "SCMP_ACT_ALLOW",
    "syscalls": [
      {"names": ["mkdir", "mkdirat", "no_such_syscall"], "action": "SCMP_ACT_ERRNO", "errnoRet": 13},
      {"names": ["sethostname"], "action": "SCMP_ACT_ERRNO", "excludes": {"caps": ["CAP_SYS_ADMIN"]}}
    ]})";
  auto [out, code] = Run("mkdir /tmp/x 2>&1; hostname x 2>&1; echo done", config);
  ASSERT_EQ(code, 0) << out << last_error_;
  EXPECT_NE(out.find("Permission denied"), std::string::npos) << out;
  EXPECT_NE(out.find("done"), std::string::npos) << out;

  config.seccomp_profile_json = R"({"defaultAction": "SCMP_ACT_NOPE"})";
  auto [out2, code2] = Run("true", config);
  EXPECT_EQ(code2, -1);
  EXPECT_NE(last_error_.message().find("unknown seccomp action"), std::string::npos) << last_error_;
}

}  // namespace
}  // namespace berth::container
