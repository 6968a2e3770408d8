#include "services/tasks/container_spec.h"

#include <signal.h>
#include <sys/resource.h>
#include <unistd.h>

#include <algorithm>
#include <map>

#include "absl/strings/str_cat.h"
#include "gmock/gmock.h"
#include "gtest/gtest.h"

namespace berth::tasks {
namespace {

constexpr const char* kImageConfig = R"({"config":{
  "Entrypoint":["/docker-entrypoint.sh"],"Cmd":["nginx","-g","daemon off;"],
  "Env":["PATH=/usr/local/bin:/usr/bin:/bin","NGINX_VERSION=1.25"],
  "WorkingDir":"/srv","User":"www","StopSignal":"SIGQUIT",
  "Labels":{"maintainer":"someone"},"ExposedPorts":{"80/tcp":{}}}})";

TEST(MergeImageConfigTest, ImageDefaultsFillWhatTheUserLeftOut) {
  v1::ContainerSpec spec;
  spec.set_image("nginx");
  spec.add_env("NGINX_VERSION=2");
  spec.add_env("EXTRA=1");
  auto merged = MergeImageConfig(spec, kImageConfig, "0123456789abcdef");
  ASSERT_TRUE(merged.ok()) << merged.status();
  EXPECT_EQ(std::vector<std::string>(merged->entrypoint().begin(), merged->entrypoint().end()),
            std::vector<std::string>{"/docker-entrypoint.sh"});
  EXPECT_EQ(merged->cmd_size(), 3);
  EXPECT_EQ(std::vector<std::string>(merged->env().begin(), merged->env().end()),
            (std::vector<std::string>{"PATH=/usr/local/bin:/usr/bin:/bin", "HOSTNAME=0123456789ab",
                                      "NGINX_VERSION=2", "EXTRA=1"}));
  EXPECT_EQ(merged->working_dir(), "/srv");
  EXPECT_EQ(merged->user(), "www");
  EXPECT_EQ(merged->stop_signal(), "SIGQUIT");
  EXPECT_EQ(merged->hostname(), "0123456789ab");
  EXPECT_EQ(merged->labels().at("maintainer"), "someone");
  EXPECT_EQ(merged->exposed_ports(0), "80/tcp");
  EXPECT_EQ(merged->restart_policy().name(), "no");
}

TEST(MergeImageConfigTest, EntrypointOverrideDropsTheImageCmd) {
  v1::ContainerSpec spec;
  spec.add_entrypoint("sh");
  auto merged = MergeImageConfig(spec, kImageConfig, "0123456789abcdef");
  ASSERT_TRUE(merged.ok());
  EXPECT_EQ(merged->entrypoint_size(), 1);
  EXPECT_EQ(merged->cmd_size(), 0);
  // --entrypoint "" clears it; with no cmd there is nothing to run.
  v1::ContainerSpec cleared;
  cleared.add_entrypoint("");
  EXPECT_EQ(MergeImageConfig(cleared, kImageConfig, "0123456789abcdef").status().message(),
            "No command specified");
  cleared.add_cmd("true");
  auto with_cmd = MergeImageConfig(cleared, kImageConfig, "0123456789abcdef");
  ASSERT_TRUE(with_cmd.ok());
  EXPECT_EQ(with_cmd->entrypoint_size(), 0);
  EXPECT_EQ(with_cmd->cmd(0), "true");
}

TEST(MergeImageConfigTest, UserCmdKeepsTheImageEntrypointAndDefaultPath) {
  v1::ContainerSpec spec;
  spec.add_cmd("echo");
  auto merged = MergeImageConfig(spec, R"({"config":{}})", "0123456789abcdef");
  ASSERT_TRUE(merged.ok());
  EXPECT_EQ(merged->env(0), "PATH=/usr/local/sbin:/usr/local/bin:/usr/sbin:/usr/bin:/sbin:/bin");
  EXPECT_EQ(merged->cmd(0), "echo");
}

TEST(ParseSignalTest, NamesAndNumbers) {
  EXPECT_EQ(*ParseSignal("SIGTERM"), SIGTERM);
  EXPECT_EQ(*ParseSignal("term"), SIGTERM);
  EXPECT_EQ(*ParseSignal("9"), SIGKILL);
  EXPECT_EQ(*ParseSignal("HUP"), SIGHUP);
  EXPECT_FALSE(ParseSignal("SIGNOPE").ok());
  EXPECT_FALSE(ParseSignal("0").ok());
}

TEST(ValidateSpecTest, DockerRules) {
  v1::ContainerSpec spec;
  spec.mutable_restart_policy()->set_name("sometimes");
  EXPECT_EQ(ValidateSpec(spec).message(), "invalid restart policy 'sometimes'");
  spec.mutable_restart_policy()->set_name("always");
  spec.set_auto_remove(true);
  EXPECT_FALSE(ValidateSpec(spec).ok());
  spec.set_auto_remove(false);
  spec.mutable_resources()->set_memory_bytes(1024);
  EXPECT_EQ(ValidateSpec(spec).message(), "Minimum memory limit allowed is 6MB");
  spec.mutable_resources()->set_memory_bytes(32 << 20);
  EXPECT_TRUE(ValidateSpec(spec).ok());
  auto* ulimit = spec.add_ulimits();
  ulimit->set_name("nofile");
  ulimit->set_soft(10);
  ulimit->set_hard(5);
  EXPECT_FALSE(ValidateSpec(spec).ok());
}

TEST(DefaultUlimitsTest, TheContainersOwnWin) {
  v1::ContainerSpec spec;
  auto* own = spec.add_ulimits();
  own->set_name("nofile");
  own->set_soft(10);
  own->set_hard(20);
  std::map<std::string, config::Ulimit> defaults = {
      {"nproc", {"nproc", 50, 60}}, {"nofile", {"nofile", 1000, 2000}}, {"core", {"core", 0, -1}}};
  AddDefaultUlimits(defaults, &spec);
  ASSERT_EQ(spec.ulimits_size(), 3);
  EXPECT_EQ(spec.ulimits(0).name(), "nofile");
  EXPECT_EQ(spec.ulimits(0).soft(), 10);  // --ulimit nofile=10:20 kept
  EXPECT_EQ(spec.ulimits(1).name(), "core");
  EXPECT_EQ(spec.ulimits(1).hard(), -1);
  EXPECT_EQ(spec.ulimits(2).name(), "nproc");
  EXPECT_EQ(spec.ulimits(2).soft(), 50);
  berth::shim::v1::Process process;
  SetProcessSecurity(spec, &process);
  ASSERT_EQ(process.rlimits_size(), 3);
  EXPECT_EQ(process.rlimits(1).hard(), RLIM_INFINITY);  // -1 is unlimited
}

TEST(BuildShimRequestTest, DefaultsAndLimits) {
  v1::Container container;
  container.set_id("abc");
  auto* spec = container.mutable_spec();
  spec->add_cmd("sh");
  spec->mutable_resources()->set_memory_bytes(64 << 20);
  auto* mount = spec->add_mounts();
  mount->set_type("bind");
  mount->set_destination("/data");
  mount->set_resolved_source("/srv/data");
  mount->set_read_only(true);
  ShimSettings settings;
  settings.bundle = "/run/berth/shims/abc";
  auto create = BuildShimRequest(container, settings);
  ASSERT_TRUE(create.ok());
  EXPECT_EQ(create->cgroup().path(), "berth/abc");
  EXPECT_EQ(create->resources().memory_swap_bytes(), 128 << 20);
  EXPECT_EQ(create->mounts_size(), 4);  // hostname, hosts, resolv.conf, /data
  EXPECT_EQ(create->mounts(3).target(), "/data");
  EXPECT_EQ(create->mounts(3).options(0), "ro");
  EXPECT_FALSE(create->masked_paths().empty());
  spec->set_privileged(true);
  EXPECT_TRUE(BuildShimRequest(container, settings)->masked_paths().empty());
}

TEST(BuildShimRequestTest, JoinsTheNetworkAndTheNamespacesItIsGiven) {
  v1::Container container;
  container.set_id("abc");
  container.mutable_spec()->add_cmd("sh");
  ShimSettings settings;
  settings.netns_path = "/run/netns/x";
  settings.join_namespaces = {{"ipc", "/proc/7/ns/ipc"}, {"pid", "/proc/7/ns/pid"}};
  auto create = BuildShimRequest(container, settings);
  ASSERT_TRUE(create.ok()) << create.status();
  std::map<std::string, std::string> joined(create->join_namespaces().begin(),
                                            create->join_namespaces().end());
  EXPECT_EQ(joined,
            (std::map<std::string, std::string>{
                {"ipc", "/proc/7/ns/ipc"}, {"net", "/run/netns/x"}, {"pid", "/proc/7/ns/pid"}}));
}

TEST(MergeImageConfigTest, UtsHostTakesTheHostsName) {
  v1::ContainerSpec spec;
  spec.set_uts_mode("host");
  auto merged = MergeImageConfig(spec, kImageConfig, "0123456789abcdef");
  ASSERT_TRUE(merged.ok()) << merged.status();
  char host[256] = {};
  ASSERT_EQ(::gethostname(host, sizeof(host) - 1), 0);
  EXPECT_EQ(merged->hostname(), host);
  spec.clear_uts_mode();
  EXPECT_EQ(MergeImageConfig(spec, kImageConfig, "0123456789abcdef")->hostname(), "0123456789ab");
}

TEST(ShimRequestTest, UserNamespaceRemapsAndIdmapsOnlyBerthsOwnMounts) {
  v1::Container container;
  container.set_id("abc");
  auto* spec = container.mutable_spec();
  spec->add_cmd("sh");
  auto* volume = spec->add_mounts();
  volume->set_type("volume");
  volume->set_destination("/data");
  volume->set_resolved_source("/var/lib/berth/volumes/data/_data");
  auto* host = spec->add_mounts();
  host->set_type("bind");
  host->set_destination("/host");
  host->set_resolved_source("/srv/host");
  ShimSettings settings;
  berth::shim::v1::IDMap map;
  map.set_host_id(100000);
  map.set_size(65536);
  settings.uid_map = {map};
  settings.gid_map = {map};
  auto create = BuildShimRequest(container, settings);
  ASSERT_TRUE(create.ok()) << create.status();
  ASSERT_EQ(create->uid_mappings_size(), 1);
  EXPECT_EQ(create->uid_mappings(0).host_id(), 100000u);
  EXPECT_EQ(create->gid_mappings_size(), 1);
  ASSERT_EQ(create->mounts_size(), 5);
  auto idmapped = [&](int i) {
    const auto& options = create->mounts(i).options();
    return std::find(options.begin(), options.end(), "idmap") != options.end();
  };
  for (int i = 0; i < 4; ++i) EXPECT_TRUE(idmapped(i)) << create->mounts(i).target();
  EXPECT_FALSE(idmapped(4)) << "a host path keeps the host's owners";

  spec->set_userns_mode("host");
  create = BuildShimRequest(container, settings);
  ASSERT_TRUE(create.ok());
  EXPECT_EQ(create->uid_mappings_size(), 0);
  EXPECT_FALSE(idmapped(0));

  spec->set_userns_mode("");
  spec->set_privileged(true);
  EXPECT_EQ(BuildShimRequest(container, settings).status().message(),
            "privileged mode is incompatible with user namespaces.  You must run the container "
            "in the host namespace when running privileged mode");
  spec->set_privileged(false);
  spec->set_network_mode("host");
  EXPECT_EQ(BuildShimRequest(container, settings).status().message(),
            "cannot share the host's network namespace when user namespaces are enabled");
  spec->set_network_mode("bridge");
  spec->set_pid_mode("host");
  EXPECT_EQ(BuildShimRequest(container, settings).status().message(),
            "cannot share the host PID namespace when user namespaces are enabled");
  spec->set_pid_mode("container:other");
  EXPECT_EQ(BuildShimRequest(container, settings).status().message(),
            "cannot share another container's PID namespace when user namespaces are enabled");
  spec->set_network_mode("host");
  spec->set_userns_mode("host");
  EXPECT_TRUE(BuildShimRequest(container, settings).ok());
  spec->set_userns_mode("private");
  EXPECT_FALSE(UsesRemappedUserNamespace(*spec, true).ok());
}

TEST(ShimRequestTest, BindPropagationReachesTheShim) {
  v1::Container container;
  container.set_id("abc");
  auto* spec = container.mutable_spec();
  spec->add_cmd("sh");
  for (const char* propagation : {"rslave", "rprivate", ""}) {
    auto* bind = spec->add_mounts();
    bind->set_type("bind");
    bind->set_destination(absl::StrCat("/m", propagation));
    bind->set_resolved_source("/srv/host");
    bind->set_propagation(propagation);
  }
  auto create = BuildShimRequest(container, ShimSettings{});
  ASSERT_TRUE(create.ok()) << create.status();
  ASSERT_EQ(create->mounts_size(), 6);  // the three init files first
  EXPECT_THAT(create->mounts(3).options(), testing::ElementsAre("rw", "rslave"));
  // rprivate is what the shim does anyway.
  EXPECT_THAT(create->mounts(4).options(), testing::ElementsAre("rw"));
  EXPECT_THAT(create->mounts(5).options(), testing::ElementsAre("rw"));
}

TEST(ShimRequestTest, MaskedAndReadonlyPathsReplaceDockersWhenGiven) {
  v1::Container container;
  container.set_id("abc");
  auto* spec = container.mutable_spec();
  spec->add_cmd("sh");
  auto create = BuildShimRequest(container, ShimSettings{});
  ASSERT_TRUE(create.ok()) << create.status();
  EXPECT_EQ(create->masked_paths_size(), 11);
  EXPECT_THAT(create->masked_paths(), testing::Contains("/proc/kcore"));
  EXPECT_THAT(create->readonly_paths(), testing::Contains("/proc/sys"));

  spec->add_masked_paths("/bin/ls");
  create = BuildShimRequest(container, ShimSettings{});
  ASSERT_TRUE(create.ok());
  EXPECT_THAT(create->masked_paths(), testing::ElementsAre("/bin/ls"));
  EXPECT_THAT(create->readonly_paths(), testing::Contains("/proc/sys")) << "still docker's";
  spec->add_readonly_paths("/tmp");
  create = BuildShimRequest(container, ShimSettings{});
  ASSERT_TRUE(create.ok());
  EXPECT_THAT(create->readonly_paths(), testing::ElementsAre("/tmp"));

  spec->set_privileged(true);
  create = BuildShimRequest(container, ShimSettings{});
  ASSERT_TRUE(create.ok());
  EXPECT_EQ(create->masked_paths_size(), 0);
  EXPECT_EQ(create->readonly_paths_size(), 0);
}

TEST(LogOptionsTest, SizesLimitsAndValidation) {
  EXPECT_EQ(ParseLogSize("512"), 512);
  EXPECT_EQ(ParseLogSize("10k"), 10240);
  EXPECT_EQ(ParseLogSize("1m"), 1 << 20);
  EXPECT_EQ(ParseLogSize("2G"), int64_t{2} << 30);
  EXPECT_EQ(ParseLogSize("lots"), -1);
  EXPECT_EQ(ParseLogSize(""), -1);

  v1::ContainerSpec spec;
  LogLimits daemon{10 << 20, 3};
  EXPECT_EQ(ContainerLogLimits(spec, daemon).max_size, 10 << 20);
  EXPECT_EQ(ContainerLogLimits(spec, daemon).max_files, 3);
  (*spec.mutable_log_options())["max-size"] = "1k";
  (*spec.mutable_log_options())["max-file"] = "5";
  EXPECT_EQ(ContainerLogLimits(spec, daemon).max_size, 1024);
  EXPECT_EQ(ContainerLogLimits(spec, daemon).max_files, 5);
  EXPECT_TRUE(ValidateSpec(spec).ok());

  v1::ContainerSpec bad = spec;
  (*bad.mutable_log_options())["max-sise"] = "1k";
  EXPECT_EQ(ValidateSpec(bad).message(), "unknown log opt 'max-sise' for json-file log driver");
  bad = spec;
  (*bad.mutable_log_options())["max-size"] = "huge";
  EXPECT_EQ(ValidateSpec(bad).message(), "invalid size: 'huge'");
  bad = spec;
  (*bad.mutable_log_options())["max-file"] = "0";
  EXPECT_EQ(ValidateSpec(bad).message(), "max-file cannot be less than 1");
}

TEST(LogOptionsTest, CriTakesTheKubeletsPathAndALineLimit) {
  v1::ContainerSpec spec;
  spec.set_log_driver("cri");
  EXPECT_EQ(ValidateSpec(spec).message(), "log opt 'path' is required for cri log driver");
  (*spec.mutable_log_options())["path"] = "/var/log/pods/ns_p_uid/app/0.log";
  EXPECT_TRUE(ValidateSpec(spec).ok());
  EXPECT_EQ(CriMaxLineSize(spec), 16384);
  (*spec.mutable_log_options())["max-line-size"] = "32k";
  EXPECT_TRUE(ValidateSpec(spec).ok());
  EXPECT_EQ(CriMaxLineSize(spec), 32768);
  (*spec.mutable_log_options())["max-line-size"] = "-1";
  EXPECT_TRUE(ValidateSpec(spec).ok());
  EXPECT_EQ(CriMaxLineSize(spec), -1);

  v1::ContainerSpec bad = spec;
  (*bad.mutable_log_options())["max-line-size"] = "0";
  EXPECT_EQ(ValidateSpec(bad).message(), "invalid max-line-size: '0'");
  bad = spec;
  (*bad.mutable_log_options())["path"] = "0.log";
  EXPECT_EQ(ValidateSpec(bad).message(), "log opt 'path' must be an absolute path: '0.log'");
  bad = spec;
  (*bad.mutable_log_options())["max-size"] = "1k";
  EXPECT_EQ(ValidateSpec(bad).message(), "unknown log opt 'max-size' for cri log driver");

  v1::Container container;
  container.set_id("abc");
  *container.mutable_spec() = spec;
  container.mutable_spec()->add_cmd("sh");
  container.set_log_path("/var/log/pods/ns_p_uid/app/0.log");
  ShimSettings settings;
  settings.bundle = "/run/berth/shims/abc";
  auto create = BuildShimRequest(container, settings);
  ASSERT_TRUE(create.ok()) << create.status();
  EXPECT_EQ(create->log_driver(), "cri");
  EXPECT_EQ(create->log_path(), "/var/log/pods/ns_p_uid/app/0.log");
  EXPECT_EQ(create->log_max_line_size(), -1);
}

TEST(LogOptionsTest, DriversBerthLacksAreRefusedByName) {
  v1::ContainerSpec spec;
  spec.set_log_driver("none");
  // none keeps nothing: no options to check.
  (*spec.mutable_log_options())["max-size"] = "huge";
  EXPECT_TRUE(ValidateSpec(spec).ok());
  EXPECT_EQ(EffectiveLogDriver(spec), "none");
  spec.clear_log_options();
  spec.set_log_driver("journald");
  EXPECT_EQ(ValidateSpec(spec).message(),
            "logging driver \"journald\" is not supported by berth (json-file, cri, none)");
  spec.set_log_driver("foo");
  EXPECT_EQ(ValidateSpec(spec).message(), "error looking up logging plugin foo: plugin \"foo\" not found");
  spec.clear_log_driver();
  EXPECT_EQ(EffectiveLogDriver(spec), "json-file");
}

TEST(CheckCpusTest, NoMoreThanTheHostHas) {
  v1::Resources resources;
  EXPECT_TRUE(CheckCpus(resources, 2).ok());
  resources.set_cpu_period_us(100000);
  resources.set_cpu_quota_us(200000);
  EXPECT_TRUE(CheckCpus(resources, 2).ok());
  resources.set_cpu_quota_us(200001);
  EXPECT_EQ(CheckCpus(resources, 2).message(),
            "Range of CPUs is from 0.01 to 2.00, as there are only 2 CPUs available");
  EXPECT_GE(HostCpuCount(), 1);
}

TEST(CheckImagePlatformTest, OsAndArchitectureMustMatch) {
  berth::types::v1::Platform image;
  image.set_os("linux");
  image.set_architecture("amd64");
  berth::types::v1::Platform wanted;
  EXPECT_TRUE(CheckImagePlatform("busybox", wanted, image).ok());
  wanted.set_os("linux");
  wanted.set_architecture("amd64");
  EXPECT_TRUE(CheckImagePlatform("busybox", wanted, image).ok());
  wanted.set_architecture("arm64");
  EXPECT_EQ(CheckImagePlatform("busybox", wanted, image).message(),
            "image with reference busybox was found but does not match the specified platform: "
            "wanted linux/arm64, actual: linux/amd64");
  wanted.set_architecture("arm");
  wanted.set_variant("v7");
  image.set_architecture("arm");
  image.set_variant("v6");
  EXPECT_FALSE(CheckImagePlatform("busybox", wanted, image).ok());
  image.clear_variant();
  EXPECT_TRUE(CheckImagePlatform("busybox", wanted, image).ok());
}

TEST(MakeHostFilesTest, HostGatewayIsTheGivenAddress) {
  v1::ContainerSpec spec;
  spec.add_extra_hosts("gw:host-gateway");
  spec.add_extra_hosts("db:10.0.0.5");
  EXPECT_TRUE(WantsHostGateway(spec));
  std::string hosts = MakeHostFiles(spec, "172.17.0.1").hosts;
  EXPECT_NE(hosts.find("172.17.0.1\tgw\n"), std::string::npos) << hosts;
  EXPECT_NE(hosts.find("10.0.0.5\tdb\n"), std::string::npos) << hosts;
  EXPECT_EQ(hosts.find("host-gateway"), std::string::npos) << hosts;
  spec.clear_extra_hosts();
  spec.add_extra_hosts("db:10.0.0.5");
  EXPECT_FALSE(WantsHostGateway(spec));
}

}  // namespace
}  // namespace berth::tasks
