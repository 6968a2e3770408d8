#include "cli/commands/container_flags.h"

#include <filesystem>
#include <map>

#include "cli/commands/container_common.h"
#include "cli/commands/container_parse.h"
#include "cli/commands/container_spec.h"
#include "gtest/gtest.h"

namespace berth::cli {
namespace {

using berth::tasks::v1::ContainerSpec;

std::string Message(const absl::Status& status) { return std::string(status.message()); }

SpecSources FakeSources(std::map<std::string, std::string> env = {},
                        std::map<std::string, std::string> files = {}) {
  SpecSources sources;
  sources.lookup_env = [env](const std::string& name) -> std::optional<std::string> {
    auto it = env.find(name);
    if (it == env.end()) return std::nullopt;
    return it->second;
  };
  sources.read_file = [files](const std::string& path) -> absl::StatusOr<std::string> {
    auto it = files.find(path);
    if (it == files.end()) return absl::NotFoundError("open " + path + ": no such file or directory");
    return it->second;
  };
  return sources;
}

// Parses words as `berth run WORDS` and builds the spec; the error, if any.
std::optional<FlagError> Build(const std::vector<std::string>& words, ContainerSpec* spec,
                               ContainerFlags* flags_out = nullptr,
                               const SpecSources& sources = FakeSources()) {
  ContainerFlags flags;
  spec->Clear();
  if (auto error = ParseContainerArgs(words, &flags)) return error;
  if (flags_out != nullptr) *flags_out = flags;
  return BuildContainerSpec(flags, sources, spec);
}

TEST(MemoryTest, DockerUnits) {
  EXPECT_EQ(*ParseMemoryBytes("100"), 100);
  EXPECT_EQ(*ParseMemoryBytes("100b"), 100);
  EXPECT_EQ(*ParseMemoryBytes("4k"), 4096);
  EXPECT_EQ(*ParseMemoryBytes("512m"), 512 << 20);
  EXPECT_EQ(*ParseMemoryBytes("512MB"), 512 << 20);
  EXPECT_EQ(*ParseMemoryBytes("64MiB"), 64 << 20);
  EXPECT_EQ(*ParseMemoryBytes("1g"), int64_t{1} << 30);
  EXPECT_EQ(*ParseMemoryBytes("1.5g"), int64_t{3} << 29);
  EXPECT_EQ(*ParseMemoryBytes("1 g"), int64_t{1} << 30);
  EXPECT_EQ(Message(ParseMemoryBytes("32x").status()), "invalid size: '32x'");
  EXPECT_FALSE(ParseMemoryBytes("-1").ok());
  EXPECT_FALSE(ParseMemoryBytes("").ok());
  EXPECT_FALSE(ParseMemoryBytes("m").ok());
  EXPECT_EQ(*ParseMemorySwap("-1"), -1);
  EXPECT_EQ(*ParseMemorySwap("1g"), int64_t{1} << 30);
}

TEST(MemoryTest, FlagErrorIsPflags) {
  ContainerSpec spec;
  auto error = Build({"-m", "32x", "busybox"}, &spec);
  ASSERT_TRUE(error.has_value());
  EXPECT_TRUE(error->pflag);
  EXPECT_EQ(error->message, "invalid argument \"32x\" for \"-m, --memory\" flag: invalid size: '32x'");
  error = Build({"--memory-swap", "2x", "busybox"}, &spec);
  ASSERT_TRUE(error.has_value());
  EXPECT_EQ(error->message, "invalid argument \"2x\" for \"--memory-swap\" flag: invalid size: '2x'");
}

TEST(MemoryTest, ResourcesInSpec) {
  ContainerSpec spec;
  ASSERT_FALSE(Build({"-m", "64m", "--memory-swap", "-1", "--memory-reservation=32m", "-c", "512",
                      "--cpuset-cpus", "0-1", "--pids-limit", "100", "--blkio-weight", "300", "busybox"},
                     &spec));
  EXPECT_EQ(spec.resources().memory_bytes(), 64 << 20);
  EXPECT_EQ(spec.resources().memory_swap_bytes(), -1);
  EXPECT_EQ(spec.resources().memory_reservation_bytes(), 32 << 20);
  EXPECT_EQ(spec.resources().cpu_shares(), 512u);
  EXPECT_EQ(spec.resources().cpuset_cpus(), "0-1");
  EXPECT_EQ(spec.resources().pids_limit(), 100);
  EXPECT_EQ(spec.resources().blkio_weight(), 300u);
  auto error = Build({"-c", "x", "busybox"}, &spec);
  ASSERT_TRUE(error.has_value());
  EXPECT_EQ(error->message,
            "invalid argument \"x\" for \"-c, --cpu-shares\" flag: strconv.ParseInt: parsing \"x\": invalid syntax");
  error = Build({"--blkio-weight", "x", "busybox"}, &spec);
  ASSERT_TRUE(error.has_value());
  EXPECT_EQ(error->message,
            "invalid argument \"x\" for \"--blkio-weight\" flag: strconv.ParseUint: parsing \"x\": invalid syntax");
}

TEST(CpusTest, DecimalToQuota) {
  EXPECT_EQ(*ParseNanoCpus("1.5"), 1500000000);
  EXPECT_EQ(*ParseNanoCpus("2"), 2000000000);
  EXPECT_EQ(*ParseNanoCpus(".5"), 500000000);
  EXPECT_EQ(*ParseNanoCpus("0.000000001"), 1);
  EXPECT_EQ(Message(ParseNanoCpus("0.0000000001").status()), "value is too precise");
  EXPECT_EQ(Message(ParseNanoCpus("abc").status()), "failed to parse abc as a rational number");
  ContainerSpec spec;
  ASSERT_FALSE(Build({"--cpus", "1.5", "busybox"}, &spec));
  EXPECT_EQ(spec.resources().cpu_quota_us(), 150000);
  EXPECT_EQ(spec.resources().cpu_period_us(), 100000u);
  ASSERT_FALSE(Build({"--cpus=0.25", "busybox"}, &spec));
  EXPECT_EQ(spec.resources().cpu_quota_us(), 25000);
  auto error = Build({"--cpus", "abc", "busybox"}, &spec);
  ASSERT_TRUE(error.has_value());
  EXPECT_EQ(error->message, "invalid argument \"abc\" for \"--cpus\" flag: failed to parse abc as a rational number");
}

TEST(RestartTest, Policies) {
  EXPECT_EQ(ParseRestartPolicy("no")->name(), "no");
  EXPECT_EQ(ParseRestartPolicy("always")->name(), "always");
  EXPECT_EQ(ParseRestartPolicy("unless-stopped")->name(), "unless-stopped");
  auto policy = ParseRestartPolicy("on-failure:3");
  ASSERT_TRUE(policy.ok());
  EXPECT_EQ(policy->name(), "on-failure");
  EXPECT_EQ(policy->maximum_retry_count(), 3);
  EXPECT_EQ(ParseRestartPolicy("on-failure")->maximum_retry_count(), 0);
  EXPECT_EQ(Message(ParseRestartPolicy("foo").status()),
            "invalid restart policy: unknown policy 'foo'; use one of 'no', 'always', 'on-failure', or "
            "'unless-stopped'");
  EXPECT_EQ(Message(ParseRestartPolicy("on-failure:x").status()),
            "invalid restart policy format: maximum retry count must be an integer");
  EXPECT_FALSE(ParseRestartPolicy("always:3").ok());
  EXPECT_FALSE(ParseRestartPolicy(":3").ok());
  EXPECT_FALSE(ParseRestartPolicy("on-failure:-1").ok());
}

TEST(RestartTest, InSpecAndConflicts) {
  ContainerSpec spec;
  ASSERT_FALSE(Build({"--restart", "on-failure:5", "busybox"}, &spec));
  EXPECT_EQ(spec.restart_policy().name(), "on-failure");
  EXPECT_EQ(spec.restart_policy().maximum_retry_count(), 5);
  auto error = Build({"--restart", "sometimes", "busybox"}, &spec);
  ASSERT_TRUE(error.has_value());
  EXPECT_FALSE(error->pflag);
  error = Build({"--rm", "--restart=always", "busybox"}, &spec);
  ASSERT_TRUE(error.has_value());
  EXPECT_EQ(error->message, "conflicting options: cannot specify both --restart and --rm");
  ASSERT_FALSE(Build({"--rm", "--restart=no", "busybox"}, &spec));
  EXPECT_TRUE(spec.auto_remove());
}

TEST(UlimitTest, SoftAndHard) {
  auto ulimit = ParseUlimit("nofile=1024:2048");
  ASSERT_TRUE(ulimit.ok());
  EXPECT_EQ(ulimit->name(), "nofile");
  EXPECT_EQ(ulimit->soft(), 1024);
  EXPECT_EQ(ulimit->hard(), 2048);
  ulimit = ParseUlimit("nproc=10");
  ASSERT_TRUE(ulimit.ok());
  EXPECT_EQ(ulimit->soft(), 10);
  EXPECT_EQ(ulimit->hard(), 10);
  EXPECT_EQ(Message(ParseUlimit("foo=1").status()), "invalid ulimit type: foo");
  EXPECT_EQ(Message(ParseUlimit("nofile").status()), "invalid ulimit argument: nofile");
  EXPECT_EQ(Message(ParseUlimit("nofile=2:1").status()),
            "ulimit soft limit must be less than or equal to hard limit: 2 > 1");
  EXPECT_TRUE(ParseUlimit("core=1:-1").ok());
  ContainerSpec spec;
  auto error = Build({"--ulimit", "nofile=abc", "busybox"}, &spec);
  ASSERT_TRUE(error.has_value());
  EXPECT_EQ(error->message,
            "invalid argument \"nofile=abc\" for \"--ulimit\" flag: strconv.ParseInt: parsing \"abc\": invalid syntax");
  ASSERT_FALSE(Build({"--ulimit", "nofile=1024:2048", "--ulimit", "nproc=10", "busybox"}, &spec));
  ASSERT_EQ(spec.ulimits_size(), 2);
  EXPECT_EQ(spec.ulimits(1).name(), "nproc");
}

TEST(PortTest, DockerSyntax) {
  auto ports = ParsePortSpec("8080:80");
  ASSERT_TRUE(ports.ok());
  ASSERT_EQ(ports->size(), 1u);
  EXPECT_EQ((*ports)[0].host_ip(), "");
  EXPECT_EQ((*ports)[0].host_port(), 8080u);
  EXPECT_EQ((*ports)[0].container_port(), 80u);
  EXPECT_EQ((*ports)[0].protocol(), "tcp");

  ports = ParsePortSpec("127.0.0.1:53:53/udp");
  ASSERT_TRUE(ports.ok());
  EXPECT_EQ((*ports)[0].host_ip(), "127.0.0.1");
  EXPECT_EQ((*ports)[0].protocol(), "udp");

  ports = ParsePortSpec("80");
  ASSERT_TRUE(ports.ok());
  EXPECT_EQ((*ports)[0].host_port(), 0u);
  EXPECT_EQ((*ports)[0].container_port(), 80u);

  ports = ParsePortSpec("127.0.0.1::80");
  ASSERT_TRUE(ports.ok());
  EXPECT_EQ((*ports)[0].host_ip(), "127.0.0.1");
  EXPECT_EQ((*ports)[0].host_port(), 0u);

  ports = ParsePortSpec("[::1]:8080:80");
  ASSERT_TRUE(ports.ok());
  EXPECT_EQ((*ports)[0].host_ip(), "::1");
  EXPECT_EQ((*ports)[0].host_port(), 8080u);

  ports = ParsePortSpec("8000-8001:80-81/TCP");
  ASSERT_TRUE(ports.ok());
  ASSERT_EQ(ports->size(), 2u);
  EXPECT_EQ((*ports)[1].host_port(), 8001u);
  EXPECT_EQ((*ports)[1].container_port(), 81u);
  EXPECT_EQ((*ports)[1].protocol(), "tcp");

  EXPECT_EQ(Message(ParsePortSpec("99999:80").status()), "invalid hostPort: 99999");
  EXPECT_EQ(Message(ParsePortSpec("80:http").status()), "invalid containerPort: http");
  EXPECT_EQ(Message(ParsePortSpec("1.2.3:80:80").status()), "invalid IP address: 1.2.3");
  EXPECT_EQ(Message(ParsePortSpec("80/sctpx").status()), "invalid proto: sctpx");
  EXPECT_FALSE(ParsePortSpec("8000-8002:80-81").ok());

  ContainerSpec spec;
  ASSERT_FALSE(Build({"-p", "8080:80", "-p8443:443", "--publish=53:53/udp", "-P", "--expose", "9000-9001", "busybox"},
                     &spec));
  ASSERT_EQ(spec.port_bindings_size(), 3);
  EXPECT_EQ(spec.port_bindings(1).container_port(), 443u);
  EXPECT_TRUE(spec.publish_all_ports());
  ASSERT_EQ(spec.exposed_ports_size(), 2);
  EXPECT_EQ(spec.exposed_ports(1), "9001/tcp");
  auto error = Build({"-p", "99999:80", "busybox"}, &spec);
  ASSERT_TRUE(error.has_value());
  EXPECT_FALSE(error->pflag);
  EXPECT_EQ(error->message, "invalid hostPort: 99999");
}

TEST(VolumeTest, DashV) {
  auto mount = ParseVolumeSpec("data:/data");
  ASSERT_TRUE(mount.ok());
  EXPECT_EQ(mount->type(), "volume");
  EXPECT_EQ(mount->source(), "data");
  EXPECT_EQ(mount->destination(), "/data");
  EXPECT_FALSE(mount->read_only());

  mount = ParseVolumeSpec("/srv/www:/usr/share/www:ro");
  ASSERT_TRUE(mount.ok());
  EXPECT_EQ(mount->type(), "bind");
  EXPECT_EQ(mount->source(), "/srv/www");
  EXPECT_TRUE(mount->read_only());
  EXPECT_EQ(mount->mode(), "ro");

  mount = ParseVolumeSpec("/host:/ctr:rw,rshared");
  ASSERT_TRUE(mount.ok());
  EXPECT_FALSE(mount->read_only());
  EXPECT_EQ(mount->propagation(), "rshared");

  mount = ParseVolumeSpec("/cache");
  ASSERT_TRUE(mount.ok());
  EXPECT_EQ(mount->type(), "volume");
  EXPECT_EQ(mount->source(), "");
  EXPECT_EQ(mount->destination(), "/cache");
  // docker keeps `-v /path` in Config.Volumes, as an image's VOLUME.
  EXPECT_EQ(mount->volume_options().count("config_volume"), 1u);

  EXPECT_EQ(Message(ParseVolumeSpec("/a:/b:xx").status()), "invalid mode: xx");
  EXPECT_EQ(Message(ParseVolumeSpec("/foo:rw").status()), "invalid volume specification: '/foo:rw'");
  EXPECT_FALSE(ParseVolumeSpec("data:relative").ok());
  EXPECT_FALSE(ParseVolumeSpec(":/x").ok());
  EXPECT_FALSE(ParseVolumeSpec("/a:/").ok());
}

// docker >= 23: "./x", "../x" and "." are host paths from the working
// directory; a plain name stays a volume.
TEST(VolumeTest, DashVRelativeHostPathIsABind) {
  std::filesystem::path saved = std::filesystem::current_path();
  std::filesystem::path dir = std::filesystem::temp_directory_path() / "berth-dashv-test" / "sub";
  std::filesystem::create_directories(dir);
  std::filesystem::current_path(dir);
  std::string parent = dir.parent_path().string();
  auto mount = ParseVolumeSpec("./data:/x:ro");
  auto up = ParseVolumeSpec("../y:/y");
  auto here = ParseVolumeSpec(".:/z");
  auto named = ParseVolumeSpec("data:/d");
  std::filesystem::current_path(saved);
  ASSERT_TRUE(mount.ok());
  EXPECT_EQ(mount->type(), "bind");
  EXPECT_EQ(mount->source(), dir.string() + "/data");
  EXPECT_TRUE(mount->read_only());
  ASSERT_TRUE(up.ok());
  EXPECT_EQ(up->type(), "bind");
  EXPECT_EQ(up->source(), parent + "/y");
  ASSERT_TRUE(here.ok());
  EXPECT_EQ(here->type(), "bind");
  EXPECT_EQ(here->source(), dir.string());
  ASSERT_TRUE(named.ok());
  EXPECT_EQ(named->type(), "volume");
  EXPECT_EQ(named->source(), "data");
}

TEST(VolumeTest, MountAndTmpfs) {
  auto mount = ParseMountFlag("type=bind,source=/a,target=/b,readonly");
  ASSERT_TRUE(mount.ok());
  EXPECT_EQ(mount->type(), "bind");
  EXPECT_EQ(mount->source(), "/a");
  EXPECT_EQ(mount->destination(), "/b");
  EXPECT_TRUE(mount->read_only());

  mount = ParseMountFlag("src=vol,dst=/d,volume-opt=type=nfs,volume-driver=local,ro=false");
  ASSERT_TRUE(mount.ok());
  EXPECT_EQ(mount->type(), "volume");
  EXPECT_EQ(mount->volume_options().at("type"), "nfs");
  EXPECT_EQ(mount->driver(), "local");
  EXPECT_FALSE(mount->read_only());

  mount = ParseMountFlag("type=tmpfs,destination=/t,tmpfs-size=64m,tmpfs-mode=1770");
  ASSERT_TRUE(mount.ok());
  EXPECT_EQ(mount->tmpfs_size_bytes(), 64 << 20);
  ASSERT_EQ(mount->options_size(), 1);
  EXPECT_EQ(mount->options(0), "mode=1770");

  EXPECT_EQ(Message(ParseMountFlag("source=x").status()), "target is required");
  EXPECT_EQ(Message(ParseMountFlag("target=/x,foo").status()), "invalid field 'foo' must be a key=value pair");
  EXPECT_EQ(Message(ParseMountFlag("target=/x,color=red").status()), "unexpected key 'color' in 'color=red'");

  mount = ParseTmpfsSpec("/run:rw,noexec,size=64m");
  ASSERT_TRUE(mount.ok());
  EXPECT_EQ(mount->type(), "tmpfs");
  EXPECT_EQ(mount->destination(), "/run");
  ASSERT_EQ(mount->options_size(), 3);
  EXPECT_EQ(mount->options(2), "size=64m");
  EXPECT_FALSE(ParseTmpfsSpec("run").ok());

  ContainerSpec spec;
  ASSERT_FALSE(Build({"-v", "data:/data", "--mount", "type=bind,src=/a,dst=/b", "--tmpfs", "/tmp", "busybox"},
                     &spec));
  ASSERT_EQ(spec.mounts_size(), 3);
  EXPECT_EQ(spec.mounts(0).type(), "volume");
  EXPECT_EQ(spec.mounts(1).type(), "bind");
  EXPECT_EQ(spec.mounts(2).type(), "tmpfs");
  // inspect tells them apart: -v is Binds, --mount HostConfig.Mounts,
  // --tmpfs HostConfig.Tmpfs (and no mount point).
  EXPECT_EQ(spec.mounts(0).volume_options().count("mount_flag"), 0u);
  EXPECT_EQ(spec.mounts(1).volume_options().count("mount_flag"), 1u);
  EXPECT_EQ(spec.mounts(2).volume_options().count("tmpfs_flag"), 1u);
  auto error = Build({"--mount", "type=foo", "busybox"}, &spec);
  ASSERT_TRUE(error.has_value());
  EXPECT_EQ(error->message, "invalid argument \"type=foo\" for \"--mount\" flag: target is required");
}

TEST(EnvTest, EnvFileAsDocker) {
  EnvLookup lookup = [](const std::string& name) -> std::optional<std::string> {
    if (name == "FROM_CLI") return std::string("cli value");
    return std::nullopt;
  };
  auto lines = ParseEnvFile(
      "# a comment\n"
      "\n"
      "A=1\n"
      "   B=two words  \n"
      "FROM_CLI\n"
      "UNSET_HERE\n"
      "EMPTY=\n"
      "URL=http://x/?a=b\r\n"
      "  # indented comment\n",
      lookup);
  ASSERT_TRUE(lines.ok()) << lines.status();
  EXPECT_EQ(*lines, (std::vector<std::string>{"A=1", "B=two words  ", "FROM_CLI=cli value", "EMPTY=",
                                              "URL=http://x/?a=b"}));
  EXPECT_EQ(Message(ParseEnvFile("A B=1\n", lookup).status()),
            "poorly formatted environment: variable 'A B' contains whitespaces");
  EXPECT_FALSE(ParseEnvFile("=1\n", lookup).ok());
}

TEST(EnvTest, EnvFlagsAndFiles) {
  ContainerSpec spec;
  SpecSources sources = FakeSources({{"HOME_DIR", "/root"}}, {{"app.env", "A=from-file\nB=2\n"}});
  ASSERT_FALSE(Build({"--env-file", "app.env", "-e", "A=from-flag", "-e", "HOME_DIR", "-e", "NOT_SET", "busybox"},
                     &spec, nullptr, sources));
  EXPECT_EQ(std::vector<std::string>(spec.env().begin(), spec.env().end()),
            (std::vector<std::string>{"A=from-file", "B=2", "A=from-flag", "HOME_DIR=/root", "NOT_SET"}));
  auto error = Build({"--env-file", "missing.env", "busybox"}, &spec, nullptr, sources);
  ASSERT_TRUE(error.has_value());
  EXPECT_FALSE(error->pflag);
  EXPECT_EQ(error->message, "open missing.env: no such file or directory");
  error = Build({"-e", "=x", "busybox"}, &spec, nullptr, sources);
  ASSERT_TRUE(error.has_value());
  EXPECT_EQ(error->message, "invalid argument \"=x\" for \"-e, --env\" flag: invalid environment variable: =x");
}

TEST(ArgsTest, ImageAndCommandSplit) {
  ContainerSpec spec;
  ContainerFlags flags;
  ASSERT_FALSE(Build({"-d", "--rm", "--name", "web", "-it", "busybox", "ls", "-l", "--name", "x"}, &spec, &flags));
  EXPECT_TRUE(flags.detach);
  EXPECT_TRUE(flags.rm);
  EXPECT_EQ(flags.name, "web");
  EXPECT_EQ(spec.image(), "busybox");
  EXPECT_EQ(std::vector<std::string>(spec.cmd().begin(), spec.cmd().end()),
            (std::vector<std::string>{"ls", "-l", "--name", "x"}));
  EXPECT_EQ(spec.entrypoint_size(), 0);
  EXPECT_TRUE(spec.tty());
  EXPECT_TRUE(spec.open_stdin());
  EXPECT_FALSE(spec.stdin_once());

  ASSERT_FALSE(Build({"-i", "busybox"}, &spec, &flags));
  EXPECT_TRUE(spec.stdin_once());
  EXPECT_EQ(spec.cmd_size(), 0);

  ASSERT_FALSE(Build({"--", "busybox", "--help"}, &spec, &flags));
  EXPECT_EQ(spec.image(), "busybox");
  EXPECT_EQ(spec.cmd(0), "--help");
}

TEST(ArgsTest, Entrypoint) {
  ContainerSpec spec;
  ASSERT_FALSE(Build({"--entrypoint", "/bin/sh -c", "busybox", "echo hi"}, &spec));
  ASSERT_EQ(spec.entrypoint_size(), 1);
  EXPECT_EQ(spec.entrypoint(0), "/bin/sh -c");
  EXPECT_EQ(spec.cmd(0), "echo hi");
  for (const auto& words : {std::vector<std::string>{"--entrypoint=", "busybox", "ls"},
                            std::vector<std::string>{"--entrypoint", "", "busybox", "ls"}}) {
    ContainerSpec cleared;
    ASSERT_FALSE(Build(words, &cleared));
    ASSERT_EQ(cleared.entrypoint_size(), 1);
    EXPECT_EQ(cleared.entrypoint(0), "");
    EXPECT_EQ(cleared.image(), "busybox");
  }
}

TEST(ArgsTest, PflagRules) {
  ContainerSpec spec;
  ContainerFlags flags;
  ASSERT_FALSE(Build({"-h", "myhost", "-w/work", "-u=1000:1000", "--rm=false", "-e=A=B", "--net", "host", "busybox"},
                     &spec, &flags));
  EXPECT_EQ(spec.hostname(), "myhost");
  EXPECT_EQ(spec.working_dir(), "/work");
  EXPECT_EQ(spec.user(), "1000:1000");
  EXPECT_FALSE(spec.auto_remove());
  EXPECT_EQ(spec.env(0), "A=B");
  EXPECT_EQ(spec.network_mode(), "host");

  auto error = Build({"--bogus", "busybox"}, &spec);
  ASSERT_TRUE(error.has_value());
  EXPECT_TRUE(error->pflag);
  EXPECT_EQ(error->message, "unknown flag: --bogus");
  error = Build({"-iz", "busybox"}, &spec);
  ASSERT_TRUE(error.has_value());
  EXPECT_EQ(error->message, "unknown shorthand flag: 'z' in -z");
  error = Build({"--name"}, &spec);
  ASSERT_TRUE(error.has_value());
  EXPECT_EQ(error->message, "flag needs an argument: --name");
  error = Build({"-e"}, &spec);
  ASSERT_TRUE(error.has_value());
  EXPECT_EQ(error->message, "flag needs an argument: 'e' in -e");
  error = Build({"--rm=maybe", "busybox"}, &spec);
  ASSERT_TRUE(error.has_value());
  EXPECT_EQ(error->message,
            "invalid argument \"maybe\" for \"--rm\" flag: strconv.ParseBool: parsing \"maybe\": invalid syntax");

  ContainerFlags help;
  ASSERT_FALSE(ParseContainerArgs({"--help"}, &help));
  EXPECT_TRUE(help.help);
  EXPECT_NE(ContainerFlagsHelp().find("  -h, --hostname string"), std::string::npos);
}

TEST(ArgsTest, OtherFlags) {
  ContainerSpec spec;
  ASSERT_FALSE(Build({"-l", "a=b", "--label", "flag", "--read-only", "--privileged", "--cap-add", "NET_ADMIN",
                      "--cap-drop=ALL", "--security-opt", "no-new-privileges", "--init", "--stop-signal", "SIGINT",
                      "--stop-timeout", "30", "--oom-score-adj", "-500", "--platform", "linux/arm64/v8",
                      "--add-host", "db:10.0.0.2", "--add-host=cache=::1", "--dns", "1.1.1.1", "--dns-search",
                      "example.com", "--sysctl", "net.ipv4.ip_forward=1", "--log-driver", "json-file",
                      "--log-opt", "max-size=10m", "--pull", "never", "busybox"},
                     &spec));
  EXPECT_EQ(spec.labels().at("a"), "b");
  EXPECT_EQ(spec.labels().at("flag"), "");
  EXPECT_TRUE(spec.read_only_rootfs());
  EXPECT_TRUE(spec.privileged());
  EXPECT_EQ(spec.cap_add(0), "NET_ADMIN");
  EXPECT_EQ(spec.cap_drop(0), "ALL");
  EXPECT_EQ(spec.security_opt(0), "no-new-privileges");
  EXPECT_TRUE(spec.init());
  EXPECT_EQ(spec.stop_signal(), "SIGINT");
  EXPECT_EQ(spec.stop_timeout(), 30);
  EXPECT_EQ(spec.oom_score_adj(), -500);
  EXPECT_EQ(spec.platform().architecture(), "arm64");
  EXPECT_EQ(spec.platform().variant(), "v8");
  EXPECT_EQ(spec.extra_hosts(0), "db:10.0.0.2");
  EXPECT_EQ(spec.extra_hosts(1), "cache:::1");
  EXPECT_EQ(spec.dns(0), "1.1.1.1");
  EXPECT_EQ(spec.dns_search(0), "example.com");
  EXPECT_EQ(spec.sysctls().at("net.ipv4.ip_forward"), "1");
  EXPECT_EQ(spec.log_options().at("max-size"), "10m");

  auto error = Build({"--dns", "foo", "busybox"}, &spec);
  ASSERT_TRUE(error.has_value());
  EXPECT_EQ(error->message, "invalid argument \"foo\" for \"--dns\" flag: IP address is not correctly formatted: foo");
  error = Build({"--add-host", "foo", "busybox"}, &spec);
  ASSERT_TRUE(error.has_value());
  EXPECT_EQ(error->message, "invalid argument \"foo\" for \"--add-host\" flag: bad format for add-host: \"foo\"");
  error = Build({"-l", "=x", "busybox"}, &spec);
  ASSERT_TRUE(error.has_value());
  EXPECT_EQ(error->message, "invalid argument \"=x\" for \"-l, --label\" flag: invalid label '=x': empty name");
  error = Build({"--pull", "foo", "busybox"}, &spec);
  ASSERT_TRUE(error.has_value());
  EXPECT_EQ(error->message, "invalid pull option: 'foo': must be one of \"always\", \"missing\" or \"never\"");
  error = Build({"--platform", "foo", "busybox"}, &spec);
  ASSERT_TRUE(error.has_value());
  EXPECT_EQ(error->message,
            "error parsing specified platform: \"foo\": unknown operating system or architecture: invalid argument");
}

TEST(RunHelpersTest, ExitCodesAndReferences) {
  EXPECT_EQ(StartErrorExitCode("exec: \"nope\": executable file not found in $PATH"), 127);
  EXPECT_EQ(StartErrorExitCode("exec /x: no such file or directory"), 127);
  EXPECT_EQ(StartErrorExitCode("exec /etc/passwd: permission denied"), 126);
  EXPECT_EQ(StartErrorExitCode("No such container: x"), 125);
  EXPECT_EQ(FamiliarTaggedReference("busybox"), "busybox:latest");
  EXPECT_EQ(FamiliarTaggedReference("docker.io/library/busybox"), "busybox:latest");
  EXPECT_EQ(FamiliarTaggedReference("docker.io/grafana/grafana"), "grafana/grafana:latest");
  EXPECT_EQ(FamiliarTaggedReference("busybox:1.36"), "busybox:1.36");
  EXPECT_EQ(FamiliarTaggedReference("localhost:5000/app"), "localhost:5000/app:latest");
  EXPECT_EQ(FamiliarTaggedReference("busybox@sha256:abcd"), "busybox@sha256:abcd");
}

TEST(TimeArgTest, DockerTimestamps) {
  absl::Time now = absl::FromUnixSeconds(1700000000);
  EXPECT_EQ(ParseTimeArg("10m", now)->seconds(), 1700000000 - 600);
  EXPECT_EQ(ParseTimeArg("1h30m", now)->seconds(), 1700000000 - 5400);
  auto time = ParseTimeArg("2024-01-02T03:04:05.5Z", now);
  ASSERT_TRUE(time.ok());
  EXPECT_EQ(time->seconds(), 1704164645);
  EXPECT_EQ(time->nanos(), 500000000);
  EXPECT_EQ(ParseTimeArg("2024-01-02T03:04:05+01:00", now)->seconds(), 1704164645 - 3600);
  EXPECT_EQ(ParseTimeArg("2024-01-02T03:04:05", now)->seconds(), 1704164645);
  EXPECT_EQ(ParseTimeArg("2024-01-02", now)->seconds(), 1704153600);
  EXPECT_EQ(ParseTimeArg("1700000000", now)->seconds(), 1700000000);
  EXPECT_EQ(ParseTimeArg("1700000000.25", now)->nanos(), 250000000);
  EXPECT_EQ(Message(ParseTimeArg("foo", now).status()), "failed to parse value as time or duration: \"foo\"");
  EXPECT_FALSE(ParseTimeArg("2024-13-45", now).ok());
}

TEST(FilterTest, KeyValue) {
  auto filter = ParseFilter("status=exited");
  ASSERT_TRUE(filter.ok());
  EXPECT_EQ(filter->first, "status");
  EXPECT_EQ(filter->second, "exited");
  EXPECT_EQ(ParseFilter("label=a=b")->second, "a=b");
  EXPECT_EQ(Message(ParseFilter("status").status()), "bad format of filter (expected name=value)");
}

}  // namespace
}  // namespace berth::cli
