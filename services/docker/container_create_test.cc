#include "services/docker/container_create.h"

#include "gtest/gtest.h"

namespace berth::docker {
namespace {

using nlohmann::json;

// The body docker 28's `run -d --name web -p 8080:80 -v /data:/data -e A=b`
// sends (docker-api-wire.md), trimmed to the fields that matter.
const char kRunBody[] = R"({
  "Hostname":"","User":"","Tty":false,"OpenStdin":false,"StdinOnce":false,
  "ExposedPorts":{"80/tcp":{}},"Env":["A=b"],"Cmd":["sleep","100"],"Image":"busybox",
  "Volumes":{},"WorkingDir":"","Entrypoint":null,"Labels":{},
  "HostConfig":{"Binds":["/data:/data"],"LogConfig":{"Type":"","Config":{}},
    "NetworkMode":"default","PortBindings":{"80/tcp":[{"HostIp":"","HostPort":"8080"}]},
    "RestartPolicy":{"Name":"no","MaximumRetryCount":0},"AutoRemove":false,
    "CapAdd":null,"CapDrop":null,"Dns":[],"Memory":67108864,"NanoCpus":500000000,
    "PidsLimit":0,"Ulimits":[{"Name":"nofile","Soft":1024,"Hard":2048}],"Init":true},
  "NetworkingConfig":{"EndpointsConfig":{"default":{"Aliases":["web-alias"]}}}})";

TEST(ContainerCreateTest, DockerCliRunBody) {
  auto spec = ContainerSpecFromCreateBody(json::parse(kRunBody));
  ASSERT_TRUE(spec.ok()) << spec.status();
  EXPECT_EQ(spec->image(), "busybox");
  EXPECT_EQ(spec->cmd_size(), 2);
  EXPECT_EQ(spec->entrypoint_size(), 0);  // null keeps the image's
  EXPECT_EQ(spec->env(0), "A=b");
  EXPECT_EQ(spec->network_mode(), "");  // "default": the daemon's bridge
  ASSERT_EQ(spec->port_bindings_size(), 1);
  EXPECT_EQ(spec->port_bindings(0).host_port(), 8080u);
  EXPECT_EQ(spec->port_bindings(0).container_port(), 80u);
  EXPECT_EQ(spec->port_bindings(0).protocol(), "tcp");
  ASSERT_EQ(spec->mounts_size(), 1);
  EXPECT_EQ(spec->mounts(0).type(), "bind");
  EXPECT_EQ(spec->mounts(0).destination(), "/data");
  EXPECT_EQ(spec->resources().memory_bytes(), 67108864);
  EXPECT_EQ(spec->resources().cpu_quota_us(), 50000);
  EXPECT_EQ(spec->resources().cpu_period_us(), 100000u);
  EXPECT_EQ(spec->ulimits(0).name(), "nofile");
  EXPECT_EQ(spec->ulimits(0).hard(), 2048);
  EXPECT_TRUE(spec->init());
  EXPECT_EQ(spec->restart_policy().name(), "no");
  ASSERT_EQ(spec->network_aliases_size(), 1);
  EXPECT_EQ(spec->network_aliases(0), "web-alias");
  EXPECT_EQ(spec->exposed_ports(0), "80/tcp");
}

TEST(ContainerCreateTest, MountsAndTmpfs) {
  auto spec = ContainerSpecFromCreateBody(json::parse(R"({"Image":"busybox","HostConfig":{
    "Mounts":[{"Type":"volume","Source":"v1","Target":"/v","ReadOnly":true},
              {"Type":"tmpfs","Target":"/t","TmpfsOptions":{"SizeBytes":1048576}}],
    "Tmpfs":{"/run":"rw,size=64k"}}})"));
  ASSERT_TRUE(spec.ok()) << spec.status();
  ASSERT_EQ(spec->mounts_size(), 3);
  EXPECT_EQ(spec->mounts(0).type(), "volume");
  EXPECT_TRUE(spec->mounts(0).read_only());
  EXPECT_EQ(spec->mounts(1).tmpfs_size_bytes(), 1048576);
  EXPECT_EQ(spec->mounts(2).destination(), "/run");
}

TEST(ContainerCreateTest, WrongTypesAreNamedAsDockerdsDecoder) {
  auto spec = ContainerSpecFromCreateBody(json::parse(R"({"Image":"busybox","HostConfig":{"Memory":"lots"}})"));
  ASSERT_FALSE(spec.ok());
  EXPECT_EQ(spec.status().message(),
            "json: cannot unmarshal string into Go struct field HostConfig.Memory of type int64");
  spec = ContainerSpecFromCreateBody(json::parse(R"({"Image":"busybox","Cmd":[1]})"));
  ASSERT_FALSE(spec.ok());
  EXPECT_NE(spec.status().message().find("Cmd"), std::string::npos);
  spec = ContainerSpecFromCreateBody(json::parse(R"({"Image":"busybox","HostConfig":[]})"));
  EXPECT_FALSE(spec.ok());
}

TEST(ContainerCreateTest, DockerdsValidation) {
  auto spec = ContainerSpecFromCreateBody(json::parse(
      R"({"Image":"b","HostConfig":{"AutoRemove":true,"RestartPolicy":{"Name":"always"}}})"));
  ASSERT_FALSE(spec.ok());
  EXPECT_EQ(spec.status().message(), "conflicting options: cannot specify both --restart and --rm");
  spec = ContainerSpecFromCreateBody(json::parse(R"({"Cmd":["true"]})"));
  EXPECT_FALSE(spec.ok());
  spec = ContainerSpecFromCreateBody(json::parse(
      R"({"Image":"b","HostConfig":{"PortBindings":{"http/tcp":[{"HostPort":"1"}]}}})"));
  EXPECT_FALSE(spec.ok());
}

TEST(ContainerUpdateTest, LimitsGivenAndRestartPolicy) {
  auto update = ContainerUpdateFromBody(json::parse(
      R"({"Memory":67108864,"NanoCpus":500000000,"PidsLimit":0,
          "RestartPolicy":{"Name":"on-failure","MaximumRetryCount":3}})"));
  ASSERT_TRUE(update.ok()) << update.status();
  EXPECT_EQ(update->resources().memory_bytes(), 67108864);
  EXPECT_EQ(update->resources().cpu_quota_us(), 50000);
  EXPECT_EQ(update->resources().cpu_period_us(), 100000u);
  EXPECT_EQ(update->resources().pids_limit(), -1);  // 0 lifts the limit.
  EXPECT_EQ(update->restart_policy().name(), "on-failure");
  EXPECT_EQ(update->restart_policy().maximum_retry_count(), 3);
  update = ContainerUpdateFromBody(json::parse(R"({"CpuShares":512})"));
  ASSERT_TRUE(update.ok()) << update.status();
  EXPECT_EQ(update->resources().pids_limit(), 0);  // absent: unchanged.
  EXPECT_TRUE(update->restart_policy().name().empty());
  update = ContainerUpdateFromBody(json::parse(R"({"Memory":"lots"})"));
  ASSERT_FALSE(update.ok());
  EXPECT_EQ(update.status().message(),
            "json: cannot unmarshal string into Go struct field UpdateConfig.Memory of type int64");
  update = ContainerUpdateFromBody(json::parse(R"({"RestartPolicy":{"Name":"sometimes"}})"));
  EXPECT_FALSE(update.ok());
}

TEST(ContainerCreateTest, ConfigVolumesAreAnonymousVolumes) {
  auto spec = ContainerSpecFromCreateBody(json::parse(
      R"({"Image":"busybox","Volumes":{"/data":{},"/logs":{}},
          "HostConfig":{"Binds":["named:/logs"]}})"));
  ASSERT_TRUE(spec.ok()) << spec.status();
  ASSERT_EQ(spec->mounts_size(), 3);
  EXPECT_EQ(spec->mounts(0).source(), "named");
  for (int i : {1, 2}) {
    EXPECT_EQ(spec->mounts(i).type(), "volume");
    EXPECT_TRUE(spec->mounts(i).source().empty());
    EXPECT_EQ(spec->mounts(i).volume_options().count("config_volume"), 1u);
  }
  EXPECT_EQ(spec->mounts(1).destination(), "/data");
  auto relative = ContainerSpecFromCreateBody(
      json::parse(R"({"Image":"busybox","Volumes":{"data":{}}})"));
  EXPECT_FALSE(relative.ok());
}

TEST(ContainerCreateTest, ConsoleSizeIsHeightThenWidth) {
  auto spec = ContainerSpecFromCreateBody(
      json::parse(R"({"Image":"busybox","Tty":true,"HostConfig":{"ConsoleSize":[31,97]}})"));
  ASSERT_TRUE(spec.ok()) << spec.status();
  EXPECT_EQ(spec->console_size().rows(), 31u);
  EXPECT_EQ(spec->console_size().cols(), 97u);
  auto bad = ContainerSpecFromCreateBody(
      json::parse(R"({"Image":"busybox","HostConfig":{"ConsoleSize":["a",1]}})"));
  EXPECT_FALSE(bad.ok());
}

}  // namespace
}  // namespace berth::docker
