#include "services/common/config/daemon_config.h"

#include <cstdlib>
#include <fstream>
#include <string>

#include "gtest/gtest.h"

namespace berth::config {
namespace {

constexpr char kSource[] = "/etc/berth/daemon.json";

TEST(DaemonConfigTest, DefaultsMatchDockerLayout) {
  auto config = ParseDaemonConfig("{}", kSource);
  ASSERT_TRUE(config.ok()) << config.status();
  EXPECT_EQ(config->data_root, "/var/lib/berth");
  EXPECT_EQ(config->exec_root, "/run/berth");
  EXPECT_EQ(config->metrics_addr, "127.0.0.1:9323");
  EXPECT_EQ(config->storage_driver, "overlayfs");
  EXPECT_EQ(config->log_driver, "json-file");
  EXPECT_EQ(config->log_level, "info");
  EXPECT_TRUE(config->hosts.empty());
  EXPECT_TRUE(config->keys_set.empty());
}

TEST(DaemonConfigTest, ParsesEveryKey) {
  auto config = ParseDaemonConfig(R"({
    "data-root": "/srv/berth", "exec-root": "/run/b2",
    "hosts": ["unix:///run/b2/berth.sock", "tcp://0.0.0.0:2376"],
    "tls": true, "tlsverify": true, "tlscacert": "/c/ca.pem", "tlscert": "/c/cert.pem",
    "tlskey": "/c/key.pem", "metrics-addr": "127.0.0.1:9400", "log-level": "debug",
    "debug": true, "registry-mirrors": ["https://mirror.example"],
    "insecure-registries": ["127.0.0.1:5000", "10.0.0.0/8", "myregistry"],
    "storage-driver": "overlay2", "log-driver": "json-file",
    "log-opts": {"max-size": "10m", "max-file": "3"}, "cgroup-driver": "systemd",
    "default-ulimits": {"nofile": {"Name": "nofile", "Soft": 1024, "Hard": 4096}},
    "bip": "172.30.0.1/16", "default-address-pools": [{"base": "172.80.0.0/16", "size": 24}],
    "dns": ["1.1.1.1", "2001:db8::1"], "dns-search": ["example.com"], "userns-remap": "default",
    "insecure-tcp": false, "audit-log": "/var/log/berth-audit.log",
    "authorization-roles": {"ops": "admin", "grafana": "viewer"}
  })", kSource);
  ASSERT_TRUE(config.ok()) << config.status();
  EXPECT_EQ(config->data_root, "/srv/berth");
  EXPECT_EQ(config->hosts.size(), 2u);
  EXPECT_TRUE(config->tlsverify);
  EXPECT_EQ(config->storage_driver, "overlayfs");  // docker's name, normalised
  EXPECT_EQ(config->log_opts.at("max-file"), "3");
  EXPECT_EQ(config->default_ulimits.at("nofile").hard, 4096);
  EXPECT_EQ(config->default_address_pools[0].size, 24);
  EXPECT_EQ(config->authorization_roles.at("grafana"), "viewer");
  EXPECT_EQ(config->keys_set.size(), 26u);
}

struct BadCase {
  std::string json;
  std::string expected;  // Must appear in the message.
};

class BadConfigTest : public ::testing::TestWithParam<BadCase> {};

TEST_P(BadConfigTest, MessageNamesTheKey) {
  auto config = ParseDaemonConfig(GetParam().json, kSource);
  ASSERT_FALSE(config.ok()) << GetParam().json;
  EXPECT_EQ(config.status().code(), absl::StatusCode::kInvalidArgument);
  std::string message(config.status().message());
  EXPECT_NE(message.find(GetParam().expected), std::string::npos) << message;
  EXPECT_EQ(message.rfind(kSource, 0), 0u) << "message should start with the file: " << message;
}

INSTANTIATE_TEST_SUITE_P(
    EveryBadCase, BadConfigTest,
    ::testing::Values(
        BadCase{R"({"fooo": 1})", R"(unknown key "fooo")"},
        BadCase{R"({"data-root": 5})", R"("data-root": want a string, got number)"},
        BadCase{R"({"data-root": "relative/path"})", R"("data-root": must be an absolute path)"},
        BadCase{R"({"exec-root": "run"})", R"("exec-root": must be an absolute path)"},
        BadCase{R"({"hosts": "unix:///x"})", R"("hosts": want a list of strings)"},
        BadCase{R"({"hosts": ["http://x"]})", R"("hosts": invalid host "http://x")"},
        BadCase{R"({"tls": "yes"})", R"("tls": want true or false)"},
        BadCase{R"({"tlsverify": 1})", R"("tlsverify": want true or false)"},
        BadCase{R"({"tlscacert": []})", R"("tlscacert": want a string)"},
        BadCase{R"({"metrics-addr": "nowhere"})", R"("metrics-addr": invalid address "nowhere")"},
        BadCase{R"({"log-level": "loud"})",
                R"("log-level": invalid value "loud" (want one of debug, info, warn, error, fatal))"},
        BadCase{R"({"debug": "true"})", R"("debug": want true or false)"},
        BadCase{R"({"registry-mirrors": ["mirror.example"]})",
                R"("registry-mirrors": invalid mirror "mirror.example")"},
        BadCase{R"({"insecure-registries": ["bad host/x"]})",
                R"("insecure-registries": invalid registry)"},
        BadCase{R"({"storage-driver": "zfs"})", R"("storage-driver": invalid value "zfs")"},
        BadCase{R"({"log-driver": "syslog"})", R"("log-driver": invalid value "syslog")"},
        BadCase{R"({"log-opts": {"max-size": "ten"}})", R"("log-opts": "max-size": invalid size "ten")"},
        BadCase{R"({"log-opts": {"max-file": "0"}})", R"("log-opts": "max-file": invalid value "0")"},
        BadCase{R"({"log-opts": {"colour": "red"}})", R"("log-opts": unknown log option "colour")"},
        BadCase{R"({"log-opts": {"max-size": 10}})", R"("log-opts": "max-size": want a string)"},
        BadCase{R"({"cgroup-driver": "cgroupv3"})", R"("cgroup-driver": invalid value "cgroupv3")"},
        BadCase{R"({"default-ulimits": {"nofiles": {"Soft": 1, "Hard": 2}}})",
                R"("default-ulimits": "nofiles": unknown ulimit name)"},
        BadCase{R"({"default-ulimits": {"nofile": {"Name": "nofile", "Soft": 10, "Hard": 5}}})",
                R"("default-ulimits": "nofile": soft limit 10 is above hard limit 5)"},
        BadCase{R"({"default-ulimits": {"nofile": 5}})", R"("default-ulimits": "nofile": want)"},
        BadCase{R"({"bip": "172.30.0.1"})", R"("bip": invalid CIDR "172.30.0.1")"},
        BadCase{R"({"bip": "172.30.0.1/40"})", R"("bip": invalid CIDR)"},
        BadCase{R"({"default-address-pools": [{"base": "10.0.0.0/8", "size": 4}]})",
                R"("default-address-pools": size 4 does not fit in 10.0.0.0/8)"},
        BadCase{R"({"default-address-pools": [{"base": "10.0.0.0"}]})",
                R"("default-address-pools": want a list of)"},
        BadCase{R"({"dns": ["8.8.8"]})", R"("dns": invalid IP address "8.8.8")"},
        BadCase{R"({"dns-search": "example.com"})", R"("dns-search": want a list of strings)"},
        BadCase{R"({"userns-remap": true})", R"("userns-remap": want a string)"},
        BadCase{R"({"insecure-tcp": "no"})", R"("insecure-tcp": want true or false)"},
        BadCase{R"({"audit-log": "audit.log"})", R"("audit-log": must be an absolute path)"},
        BadCase{R"({"authorization-roles": {"ops": "root"}})",
                R"("authorization-roles": "ops": invalid role "root")"},
        BadCase{R"({"log-level": "info",})", "invalid JSON"},
        BadCase{R"([1, 2])", "want a JSON object"}));

TEST(DaemonConfigTest, InvalidJsonReportsPosition) {
  auto config = ParseDaemonConfig("{\n  \"debug\": 1,, \n}", kSource);
  ASSERT_FALSE(config.ok());
  EXPECT_NE(config.status().message().find("line 2"), std::string::npos) << config.status();
}

TEST(DaemonConfigTest, FlagAndFileConflictNamesBoth) {
  auto file = ParseDaemonConfig(R"({"hosts": ["tcp://10.0.0.1:2376"], "debug": true})", kSource);
  ASSERT_TRUE(file.ok());
  DaemonConfig flags;
  flags.hosts = {"unix:///x.sock"};
  absl::Status status = MergeFlags(flags, {"hosts"}, &*file);
  ASSERT_FALSE(status.ok());
  EXPECT_EQ(status.message(),
            "the following directives are specified both as a flag and in the configuration "
            "file: hosts: (from flag: [\"unix:///x.sock\"], from file: "
            "[\"tcp://10.0.0.1:2376\"])");
}

TEST(DaemonConfigTest, FlagsOverrideDefaultsAndAreValidated) {
  auto file = ParseDaemonConfig(R"({"debug": true})", kSource);
  ASSERT_TRUE(file.ok());
  DaemonConfig flags;
  flags.data_root = "/srv/other";
  flags.storage_driver = "vfs";
  ASSERT_TRUE(MergeFlags(flags, {"data-root", "storage-driver"}, &*file).ok());
  EXPECT_EQ(file->data_root, "/srv/other");
  EXPECT_EQ(file->storage_driver, "native");
  EXPECT_TRUE(file->debug);
  EXPECT_EQ(file->exec_root, "/run/berth");  // Not given: default kept.

  DaemonConfig bad;
  bad.log_level = "chatty";
  auto config = ParseDaemonConfig("{}", kSource);
  absl::Status status = MergeFlags(bad, {"log-level"}, &*config);
  ASSERT_FALSE(status.ok());
  EXPECT_NE(status.message().find("\"log-level\": invalid value \"chatty\""), std::string::npos);
}

TEST(DaemonConfigTest, ToJsonRoundTrips) {
  auto config = ParseDaemonConfig(R"({"data-root": "/a", "hosts": ["unix:///b.sock"],
      "default-ulimits": {"nproc": {"Name": "nproc", "Soft": 5, "Hard": 6}},
      "default-address-pools": [{"base": "172.80.0.0/16", "size": 24}],
      "log-opts": {"max-size": "1g"}, "authorization-roles": {"x": "viewer"}})",
                                  kSource);
  ASSERT_TRUE(config.ok());
  auto again = ParseDaemonConfig(ToJson(*config), "round trip");
  ASSERT_TRUE(again.ok()) << again.status() << "\n" << ToJson(*config);
  EXPECT_EQ(ToJson(*again), ToJson(*config));
  EXPECT_EQ(again->default_ulimits.at("nproc").soft, 5);
}

TEST(DaemonConfigTest, MissingFileIsFineUnlessNamed) {
  std::string path = std::string(std::getenv("TEST_TMPDIR")) + "/absent.json";
  auto defaults = LoadDaemonConfigFile(path, /*must_exist=*/false);
  ASSERT_TRUE(defaults.ok());
  EXPECT_EQ(defaults->data_root, "/var/lib/berth");
  auto named = LoadDaemonConfigFile(path, /*must_exist=*/true);
  ASSERT_FALSE(named.ok());
  EXPECT_NE(named.status().message().find(path), std::string::npos);

  std::string present = std::string(std::getenv("TEST_TMPDIR")) + "/daemon.json";
  std::ofstream(present) << R"({"log-level": "warn"})";
  auto loaded = LoadDaemonConfigFile(present, true);
  ASSERT_TRUE(loaded.ok());
  EXPECT_EQ(loaded->log_level, "warn");
}

TEST(ByteSizeTest, ParsesDockerUnits) {
  EXPECT_EQ(*ParseByteSize("10m"), 10 << 20);
  EXPECT_EQ(*ParseByteSize("1g"), int64_t{1} << 30);
  EXPECT_EQ(*ParseByteSize("512k"), 512 << 10);
  EXPECT_EQ(*ParseByteSize("100"), 100);
  EXPECT_EQ(*ParseByteSize("32MB"), 32 << 20);
  EXPECT_FALSE(ParseByteSize("ten").ok());
  EXPECT_FALSE(ParseByteSize("-1m").ok());
  EXPECT_FALSE(ParseByteSize("").ok());
}

}  // namespace
}  // namespace berth::config
