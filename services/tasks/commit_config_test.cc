#include "services/tasks/commit_config.h"

#include "gtest/gtest.h"
#include "nlohmann/json.hpp"

namespace berth::tasks {
namespace {

v1::Container SampleContainer() {
  v1::Container container;
  container.set_image_config_json(
      R"({"config":{"Env":["PATH=/bin"],"Cmd":["sh"],"Volumes":{"/data":{}},"WorkingDir":"/"}})");
  auto* spec = container.mutable_spec();
  spec->add_cmd("sh");
  spec->add_cmd("-c");
  spec->add_cmd("echo hi");
  spec->add_env("PATH=/bin");
  spec->add_env("HOSTNAME=abc");
  spec->add_env("MODE=test");
  spec->add_env("TERM=xterm");
  spec->set_tty(true);
  spec->set_working_dir("/work");
  (*spec->mutable_labels())["team"] = "files";
  spec->add_exposed_ports("80");
  auto* volume = spec->add_mounts();
  volume->set_type("volume");
  volume->set_destination("/var/lib/db/");
  return container;
}

TEST(CommitConfigTest, ContainerSettingsOverTheImageWithoutRuntimeVariables) {
  nlohmann::json config = nlohmann::json::parse(CommitConfigJson(SampleContainer()))["config"];
  EXPECT_EQ(config["Cmd"], nlohmann::json({"sh", "-c", "echo hi"}));
  EXPECT_TRUE(config["Entrypoint"].is_null());
  EXPECT_EQ(config["Env"], nlohmann::json({"PATH=/bin", "MODE=test"}));
  EXPECT_EQ(config["WorkingDir"], "/work");
  EXPECT_EQ(config["Labels"]["team"], "files");
  EXPECT_TRUE(config["ExposedPorts"].contains("80/tcp"));
  // What only the image had stays.
  EXPECT_TRUE(config["Volumes"].contains("/data"));
}

TEST(CommitConfigTest, KeepsTheContainersHealthCheck) {
  v1::Container container = SampleContainer();
  EXPECT_FALSE(nlohmann::json::parse(CommitConfigJson(container))["config"].contains("Healthcheck"));
  auto* check = container.mutable_spec()->mutable_healthcheck();
  check->add_test("CMD-SHELL");
  check->add_test("true");
  check->set_interval_ns(200000000);
  nlohmann::json config = nlohmann::json::parse(CommitConfigJson(container))["config"];
  EXPECT_EQ(config["Healthcheck"], nlohmann::json::parse(R"({"Test":["CMD-SHELL","true"],"Interval":200000000})"));
}

TEST(CommitConfigTest, ExcludesInitFilesAndMountPoints) {
  std::vector<std::string> excludes = CommitExcludes(SampleContainer());
  EXPECT_EQ(excludes, (std::vector<std::string>{"etc/hostname", "etc/hosts", "etc/resolv.conf",
                                                "dev", "proc", "sys", "var/lib/db"}));
  EXPECT_EQ(CommitCreatedBy(SampleContainer()), "sh -c echo hi");
}

}  // namespace
}  // namespace berth::tasks
