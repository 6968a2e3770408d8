#include "cli/commands/container_format.h"

#include "cli/commands/container_json.h"
#include "gtest/gtest.h"

namespace berth::cli {
namespace {

using berth::tasks::v1::Container;
using berth::tasks::v1::State;

google::protobuf::Timestamp At(int64_t seconds, int32_t nanos = 0) {
  google::protobuf::Timestamp time;
  time.set_seconds(seconds);
  time.set_nanos(nanos);
  return time;
}

constexpr int64_t kNow = 1700000000;

TEST(TimeFormatTest, GoRfc3339) {
  EXPECT_EQ(Rfc3339Nano(At(1704164645, 123450000)), "2024-01-02T03:04:05.12345Z");
  EXPECT_EQ(Rfc3339Nano(At(1704164645)), "2024-01-02T03:04:05Z");
  EXPECT_EQ(Rfc3339Nano(At(0)), "0001-01-01T00:00:00Z");
  EXPECT_EQ(Rfc3339Nano(At(-62135596800)), "0001-01-01T00:00:00Z");
  EXPECT_EQ(Rfc3339NanoFixed(At(1704164645, 5)), "2024-01-02T03:04:05.000000005Z");
  EXPECT_EQ(Rfc3339NanoFixed(At(1704164645)), "2024-01-02T03:04:05.000000000Z");
}

TEST(StatusTextTest, DockerStates) {
  State state;
  EXPECT_EQ(StatusText(state, kNow), "Created");
  state.set_status(berth::tasks::v1::CREATED);
  EXPECT_EQ(StatusText(state, kNow), "Created");
  state.set_status(berth::tasks::v1::RUNNING);
  *state.mutable_started_at() = At(kNow - 5);
  EXPECT_EQ(StatusText(state, kNow), "Up 5 seconds");
  state.set_health("healthy");
  EXPECT_EQ(StatusText(state, kNow), "Up 5 seconds (healthy)");
  state.set_health("starting");
  EXPECT_EQ(StatusText(state, kNow), "Up 5 seconds (health: starting)");
  state.clear_health();
  state.set_status(berth::tasks::v1::PAUSED);
  *state.mutable_started_at() = At(kNow - 2);
  EXPECT_EQ(StatusText(state, kNow), "Up 2 seconds (Paused)");
  state.set_status(berth::tasks::v1::EXITED);
  state.set_exit_code(0);
  *state.mutable_finished_at() = At(kNow - 3);
  EXPECT_EQ(StatusText(state, kNow), "Exited (0) 3 seconds ago");
  state.set_status(berth::tasks::v1::RESTARTING);
  state.set_exit_code(1);
  *state.mutable_finished_at() = At(kNow - 2);
  EXPECT_EQ(StatusText(state, kNow), "Restarting (1) 2 seconds ago");
  state.set_status(berth::tasks::v1::DEAD);
  EXPECT_EQ(StatusText(state, kNow), "Dead");
  EXPECT_EQ(StateName(berth::tasks::v1::EXITED), "exited");
  EXPECT_EQ(StateName(berth::tasks::v1::STATUS_UNSPECIFIED), "created");
}

Container Busybox() {
  Container container;
  container.set_id("0123456789abcdef0123456789abcdef0123456789abcdef0123456789abcdef");
  container.set_name("web");
  container.set_image_id("sha256:feedface");
  container.mutable_spec()->set_image("busybox");
  container.set_image_config_json(R"({"architecture":"amd64","config":{
      "Env":["PATH=/usr/bin:/bin","LANG=C"],"Cmd":["sh"],"Labels":{"from":"image"},
      "ExposedPorts":{"80/tcp":{}}}})");
  *container.mutable_created_at() = At(kNow - 60);
  return container;
}

TEST(ResolveConfigTest, MergesWithImage) {
  Container container = Busybox();
  ResolvedConfig config = ResolveConfig(container);
  EXPECT_TRUE(config.entrypoint.empty());
  EXPECT_EQ(config.cmd, std::vector<std::string>{"sh"});
  // As the service keeps it, merged: the spec is what runs.
  Container merged = Busybox();
  merged.mutable_spec()->add_entrypoint("/entry");
  config = ResolveConfig(merged);
  EXPECT_EQ(config.entrypoint, std::vector<std::string>{"/entry"});
  EXPECT_TRUE(config.cmd.empty());
  container.mutable_spec()->add_cmd("ls");
  container.mutable_spec()->add_cmd("-l");
  container.mutable_spec()->add_env("LANG=en_US.UTF-8");
  container.mutable_spec()->add_env("A=1");
  (*container.mutable_spec()->mutable_labels())["app"] = "web";
  config = ResolveConfig(container);
  EXPECT_EQ(config.cmd, (std::vector<std::string>{"ls", "-l"}));
  EXPECT_EQ(config.env, (std::vector<std::string>{"PATH=/usr/bin:/bin", "LANG=en_US.UTF-8", "A=1"}));
  EXPECT_EQ(config.labels.at("from"), "image");
  EXPECT_EQ(config.labels.at("app"), "web");

  // --entrypoint "": cleared, and the image's CMD is not used either.
  Container cleared = Busybox();
  cleared.mutable_spec()->add_entrypoint("");
  config = ResolveConfig(cleared);
  EXPECT_TRUE(config.entrypoint.empty());
  EXPECT_TRUE(config.cmd.empty());
}

TEST(CommandTextTest, QuotedAndTruncated) {
  Container container = Busybox();
  EXPECT_EQ(CommandText(container, false), "\"sh\"");
  container.mutable_spec()->add_entrypoint("sh");
  container.mutable_spec()->add_cmd("-c");
  container.mutable_spec()->add_cmd("sleep 1000; echo \"done\"");
  EXPECT_EQ(CommandText(container, false), "\"sh -c sleep 1000; e…\"");
  EXPECT_EQ(CommandText(container, true), "\"sh -c sleep 1000; echo \\\"done\\\"\"");
  EXPECT_EQ(Ellipsis("abc", 3), "abc");
  EXPECT_EQ(Ellipsis("abcd", 3), "ab…");
}

TEST(PortsTextTest, RunningOnly) {
  Container container = Busybox();
  auto* binding = container.mutable_spec()->add_port_bindings();
  binding->set_host_port(8080);
  binding->set_container_port(80);
  binding->set_protocol("tcp");
  EXPECT_EQ(PortsText(container), "");
  container.mutable_state()->set_status(berth::tasks::v1::RUNNING);
  EXPECT_EQ(PortsText(container), "0.0.0.0:8080->80/tcp");
  container.mutable_spec()->add_exposed_ports("443/tcp");
  EXPECT_EQ(PortsText(container), "0.0.0.0:8080->80/tcp, 443/tcp");
}

TEST(PsRowTest, DockerFields) {
  Container container = Busybox();
  container.mutable_state()->set_status(berth::tasks::v1::EXITED);
  *container.mutable_state()->mutable_started_at() = At(kNow - 30);
  *container.mutable_state()->mutable_finished_at() = At(kNow - 10);
  container.mutable_state()->set_exit_code(3);
  nlohmann::json row = PsRowJson(container, kNow, false, "0B");
  EXPECT_EQ(row["ID"], "0123456789ab");
  EXPECT_EQ(row["Image"], "busybox");
  EXPECT_EQ(row["Command"], "\"sh\"");
  EXPECT_EQ(row["RunningFor"], "About a minute ago");
  EXPECT_EQ(row["Status"], "Exited (3) 10 seconds ago");
  EXPECT_EQ(row["State"], "exited");
  EXPECT_EQ(row["Names"], "web");
  EXPECT_EQ(row["Labels"], "from=image");
  EXPECT_EQ(PsRowJson(container, kNow, true, "")["ID"], container.id());
}

TEST(PrintRowsTest, TablesAndTemplates) {
  nlohmann::json header = {{"ID", "CONTAINER ID"}, {"Names", "NAMES"}};
  std::vector<nlohmann::json> rows = {{{"ID", "abc"}, {"Names", "web"}}, {{"ID", "def"}, {"Names", "db"}}};
  testing::internal::CaptureStdout();
  EXPECT_EQ(PrintRows("", "table {{.ID}}\t{{.Names}}", header, rows), 0);
  EXPECT_EQ(testing::internal::GetCapturedStdout(), "CONTAINER ID   NAMES\nabc            web\ndef            db\n");
  testing::internal::CaptureStdout();
  EXPECT_EQ(PrintRows("{{.Names}}", "table {{.ID}}", header, rows), 0);
  EXPECT_EQ(testing::internal::GetCapturedStdout(), "web\ndb\n");
  testing::internal::CaptureStdout();
  EXPECT_EQ(PrintRows("table {{.Names}}\\t{{.ID}}", "table {{.ID}}", header, rows), 0);
  EXPECT_EQ(testing::internal::GetCapturedStdout(), "NAMES     CONTAINER ID\nweb       abc\ndb        def\n");
  testing::internal::CaptureStdout();
  EXPECT_EQ(PrintRows("json", "table {{.ID}}", header, {rows[0]}), 0);
  EXPECT_EQ(testing::internal::GetCapturedStdout(), "{\"ID\":\"abc\",\"Names\":\"web\"}\n");
}

TEST(InspectJsonTest, DockerShape) {
  Container container = Busybox();
  auto* spec = container.mutable_spec();
  spec->add_cmd("echo");
  spec->add_cmd("hi");
  spec->mutable_resources()->set_cpu_quota_us(150000);
  spec->mutable_resources()->set_cpu_period_us(100000);
  spec->mutable_resources()->set_memory_bytes(64 << 20);
  auto* volume = spec->add_mounts();
  volume->set_type("volume");
  volume->set_source("data");
  volume->set_destination("/data");
  volume->set_resolved_source("/var/lib/berth/volumes/data/_data");
  auto* bind = spec->add_mounts();
  bind->set_type("bind");
  bind->set_source("/srv");
  bind->set_destination("/srv");
  bind->set_read_only(true);
  bind->set_mode("ro");
  auto* rootfs = container.add_rootfs();
  rootfs->set_type("overlay");
  rootfs->add_options("lowerdir=/l1:/l2");
  rootfs->add_options("upperdir=/s/fs");
  rootfs->add_options("workdir=/s/work");
  container.mutable_state()->set_status(berth::tasks::v1::RUNNING);
  container.mutable_state()->set_pid(42);
  *container.mutable_state()->mutable_started_at() = At(kNow, 100);

  nlohmann::json json = ContainerInspectJson(container);
  EXPECT_EQ(json["Id"], container.id());
  EXPECT_EQ(json["Name"], "/web");
  EXPECT_EQ(json["Path"], "echo");
  EXPECT_EQ(json["Args"], nlohmann::json({"hi"}));
  EXPECT_EQ(json["Image"], "sha256:feedface");
  EXPECT_EQ(json["Driver"], "overlay2");
  EXPECT_EQ(json["State"]["Status"], "running");
  EXPECT_EQ(json["State"]["Running"], true);
  EXPECT_EQ(json["State"]["Pid"], 42);
  EXPECT_EQ(json["State"]["StartedAt"], "2023-11-14T22:13:20.0000001Z");
  EXPECT_EQ(json["State"]["FinishedAt"], "0001-01-01T00:00:00Z");
  EXPECT_EQ(json["HostConfig"]["NanoCpus"], 1500000000);
  EXPECT_EQ(json["HostConfig"]["Memory"], 64 << 20);
  EXPECT_EQ(json["HostConfig"]["RestartPolicy"]["Name"], "no");
  EXPECT_EQ(json["HostConfig"]["NetworkMode"], "bridge");
  EXPECT_EQ(json["HostConfig"]["LogConfig"]["Type"], "json-file");
  EXPECT_EQ(json["GraphDriver"]["Data"]["LowerDir"], "/l1:/l2");
  EXPECT_EQ(json["GraphDriver"]["Data"]["UpperDir"], "/s/fs");
  EXPECT_EQ(json["GraphDriver"]["Data"]["WorkDir"], "/s/work");
  ASSERT_EQ(json["Mounts"].size(), 2u);
  EXPECT_EQ(json["Mounts"][0]["Type"], "volume");
  EXPECT_EQ(json["Mounts"][0]["Name"], "data");
  EXPECT_EQ(json["Mounts"][0]["Source"], "/var/lib/berth/volumes/data/_data");
  EXPECT_EQ(json["Mounts"][0]["Driver"], "local");
  EXPECT_EQ(json["Mounts"][0]["RW"], true);
  EXPECT_EQ(json["Mounts"][1]["RW"], false);
  EXPECT_FALSE(json["Mounts"][1].contains("Name"));
  EXPECT_EQ(json["Config"]["Image"], "busybox");
  EXPECT_EQ(json["Config"]["Hostname"], "0123456789ab");
  EXPECT_EQ(json["Config"]["Cmd"], nlohmann::json({"echo", "hi"}));
  EXPECT_TRUE(json["Config"]["Entrypoint"].is_null());
  EXPECT_EQ(json["Config"]["Env"][0], "PATH=/usr/bin:/bin");
  EXPECT_EQ(json["Config"]["Labels"]["from"], "image");
  EXPECT_TRUE(json["Config"]["ExposedPorts"].contains("80/tcp"));
}

TEST(StatsTest, CpuPercentAndRow) {
  berth::tasks::v1::ContainerStats previous, current;
  previous.set_cpu_usage_ns(1000000000);
  previous.set_system_cpu_usage_ns(100000000000);
  current.set_cpu_usage_ns(1500000000);
  current.set_system_cpu_usage_ns(102000000000);
  current.set_online_cpus(2);
  EXPECT_DOUBLE_EQ(CpuPercent(&previous, current), 50.0);
  EXPECT_DOUBLE_EQ(CpuPercent(nullptr, current), 0.0);
  current.set_id("0123456789abcdef");
  current.set_name("/web");
  current.set_memory_usage_bytes(2 * 1024 * 1024);
  current.set_memory_limit_bytes(8 * 1024 * 1024);
  current.set_pids_current(3);
  current.set_net_rx_bytes(1500);
  nlohmann::json row = StatsRowJson(current, 50.0, "", false);
  EXPECT_EQ(row["ID"], "0123456789ab");
  EXPECT_EQ(row["Name"], "web");
  EXPECT_EQ(row["CPUPerc"], "50.00%");
  EXPECT_EQ(row["MemUsage"], "2MiB / 8MiB");
  EXPECT_EQ(row["MemPerc"], "25.00%");
  EXPECT_EQ(row["NetIO"], "1.5kB / 0B");
  EXPECT_EQ(row["PIDs"], "3");
}

TEST(EventsTest, DockerLine) {
  berth::tasks::v1::ContainerEvent event;
  event.set_id("abc");
  event.set_name("web");
  event.set_image("busybox");
  event.set_action("start");
  EXPECT_EQ(EventLine(At(1795946400), event),
            "2026-11-29T10:00:00.000000000Z container start abc (image=busybox, name=web)");
  event.set_action("die");
  event.set_exit_code(137);
  EXPECT_EQ(EventLine(At(1795946400), event),
            "2026-11-29T10:00:00.000000000Z container die abc (exitCode=137, image=busybox, name=web)");
  nlohmann::json json = EventJson(At(1795946400, 5), event);
  EXPECT_EQ(json["Type"], "container");
  EXPECT_EQ(json["Action"], "die");
  EXPECT_EQ(json["Actor"]["Attributes"]["exitCode"], "137");
  EXPECT_EQ(json["timeNano"], int64_t{1795946400} * 1000000000 + 5);
}

}  // namespace
}  // namespace berth::cli
