#include "services/common/config/daemon_config.h"

#include <sys/stat.h>

#include <cstdlib>
#include <fstream>
#include <string>

#include "absl/strings/str_cat.h"
#include "gtest/gtest.h"
#include "nlohmann/json.hpp"

namespace berth::config {
namespace {

constexpr char kSource[] = "/etc/berth/daemon.json";

std::string TempPath(const std::string& name) {
  return std::string(std::getenv("TEST_TMPDIR")) + "/" + name;
}

// Every key set to a value other than its default.
constexpr char kEveryKey[] = R"({
  "data-root": "/srv/berth", "exec-root": "/run/b2",
  "hosts": ["unix:///run/b2/berth.sock", "tcp://0.0.0.0:2376"],
  "tls": true, "tlsverify": true, "tlscacert": "/c/ca.pem", "tlscert": "/c/cert.pem",
  "tlskey": "/c/key.pem", "metrics-addr": "127.0.0.1:9400", "log-level": "debug",
  "debug": true, "labels": ["rack=r1", "env=prod"], "registry-mirrors": ["https://mirror.example", "http://10.0.0.5:5000/v2/"],
  "insecure-registries": ["127.0.0.1:5000", "10.0.0.0/8", "myregistry", "[::1]:5000"],
  "storage-driver": "overlay2", "log-driver": "none", "max-layer-bytes": 1048576,
  "max-layer-entries": 1000,
  "log-opts": {"max-size": "10m", "max-file": "3", "compress": "true"},
  "cgroup-driver": "systemd", "cgroup-parent": "berth.slice",
  "default-ulimits": {"nofile": {"Name": "nofile", "Soft": 1024, "Hard": 4096},
                      "core": {"name": "core", "soft": 0, "hard": -1}},
  "bip": "172.30.0.1/16",
  "default-address-pools": [{"base": "172.80.0.0/16", "size": 24},
                            {"base": "fd00::/48", "size": 64}],
  "dns": ["1.1.1.1", "2001:db8::1"], "dns-search": ["example.com", "corp.example."],
  "userns-remap": "default", "insecure-tcp": true, "audit-log": "/var/log/berth-audit.log",
  "authorization-roles": {"ops": "admin", "grafana": "viewer"},
  "docker-hosts": ["tcp://127.0.0.1:2377", "unix:///var/run/docker.sock"],
  "max-concurrent-downloads": 7, "max-concurrent-uploads": 2, "shutdown-timeout": 30,
  "live-restore": false, "cri-socket": "/run/b2/k8s/cri.sock"
})";

TEST(DaemonConfigTest, DefaultsMatchDockerLayout) {
  auto config = ParseDaemonConfig("{}", kSource);
  ASSERT_TRUE(config.ok()) << config.status();
  EXPECT_EQ(config->data_root, "/var/lib/berth");
  EXPECT_EQ(config->exec_root, "/run/berth");
  EXPECT_TRUE(config->hosts.empty());
  EXPECT_FALSE(config->tls);
  EXPECT_FALSE(config->tlsverify);
  EXPECT_EQ(config->metrics_addr, "127.0.0.1:9323");
  EXPECT_EQ(config->log_level, "info");
  EXPECT_FALSE(config->debug);
  EXPECT_EQ(config->storage_driver, "overlayfs");
  EXPECT_EQ(config->log_driver, "json-file");
  EXPECT_TRUE(config->log_opts.empty());
  EXPECT_EQ(config->cgroup_driver, "");
  EXPECT_TRUE(config->default_ulimits.empty());
  EXPECT_EQ(config->max_concurrent_downloads, 3);  // dockerd's defaults
  EXPECT_EQ(config->max_concurrent_uploads, 5);
  EXPECT_EQ(config->shutdown_timeout, 15);
  EXPECT_TRUE(config->live_restore);  // berth's: shims outlive berthd
  EXPECT_EQ(config->bip, "");
  EXPECT_FALSE(config->insecure_tcp);
  EXPECT_EQ(config->audit_log, "");
  EXPECT_TRUE(config->authorization_roles.empty());
  EXPECT_TRUE(config->keys_set.empty());
}

TEST(DaemonConfigTest, ParsesEveryKey) {
  auto config = ParseDaemonConfig(kEveryKey, kSource);
  ASSERT_TRUE(config.ok()) << config.status();
  const DaemonConfig& c = *config;
  EXPECT_EQ(c.data_root, "/srv/berth");
  EXPECT_EQ(c.exec_root, "/run/b2");
  EXPECT_EQ(c.hosts, (std::vector<std::string>{"unix:///run/b2/berth.sock", "tcp://0.0.0.0:2376"}));
  EXPECT_TRUE(c.tls);
  EXPECT_TRUE(c.tlsverify);
  EXPECT_EQ(c.tlscacert, "/c/ca.pem");
  EXPECT_EQ(c.tlscert, "/c/cert.pem");
  EXPECT_EQ(c.tlskey, "/c/key.pem");
  EXPECT_EQ(c.metrics_addr, "127.0.0.1:9400");
  EXPECT_EQ(c.log_level, "debug");
  EXPECT_TRUE(c.debug);
  EXPECT_EQ(c.labels, (std::vector<std::string>{"rack=r1", "env=prod"}));
  EXPECT_EQ(c.registry_mirrors.size(), 2u);
  EXPECT_EQ(c.insecure_registries.size(), 4u);
  EXPECT_EQ(c.storage_driver, "overlayfs");  // docker's overlay2, normalised.
  EXPECT_EQ(c.log_driver, "none");
  EXPECT_EQ(c.log_opts.at("max-file"), "3");
  EXPECT_EQ(c.cgroup_driver, "systemd");
  EXPECT_EQ(c.cgroup_parent, "berth.slice");
  EXPECT_EQ(c.default_ulimits.at("nofile").soft, 1024);
  EXPECT_EQ(c.default_ulimits.at("nofile").hard, 4096);
  EXPECT_EQ(c.default_ulimits.at("core").name, "core");  // Lower-case fields, as Go accepts.
  EXPECT_EQ(c.default_ulimits.at("core").hard, -1);      // Unlimited.
  EXPECT_EQ(c.bip, "172.30.0.1/16");
  ASSERT_EQ(c.default_address_pools.size(), 2u);
  EXPECT_EQ(c.default_address_pools[0].base, "172.80.0.0/16");
  EXPECT_EQ(c.default_address_pools[1].size, 64);
  EXPECT_EQ(c.dns, (std::vector<std::string>{"1.1.1.1", "2001:db8::1"}));
  EXPECT_EQ(c.dns_search.size(), 2u);
  EXPECT_EQ(c.userns_remap, "default");
  EXPECT_TRUE(c.insecure_tcp);
  EXPECT_EQ(c.audit_log, "/var/log/berth-audit.log");
  EXPECT_EQ(c.authorization_roles.at("grafana"), "viewer");
  EXPECT_EQ(c.docker_hosts,
            (std::vector<std::string>{"tcp://127.0.0.1:2377", "unix:///var/run/docker.sock"}));
  EXPECT_EQ(c.max_layer_bytes, 1048576);
  EXPECT_EQ(c.max_layer_entries, 1000);
  EXPECT_EQ(c.max_concurrent_downloads, 7);
  EXPECT_EQ(c.max_concurrent_uploads, 2);
  EXPECT_EQ(c.shutdown_timeout, 30);
  EXPECT_FALSE(c.live_restore);
  EXPECT_EQ(c.cri_socket, "/run/b2/k8s/cri.sock");
  EXPECT_EQ(c.keys_set.size(), 36u);
  EXPECT_EQ(c.keys_set.count("default-address-pools"), 1u);
}

TEST(DaemonConfigTest, DockerNamesForStorageDrivers) {
  auto vfs = ParseDaemonConfig(R"({"storage-driver": "vfs"})", kSource);
  ASSERT_TRUE(vfs.ok()) << vfs.status();
  EXPECT_EQ(vfs->storage_driver, "native");
  auto native = ParseDaemonConfig(R"({"storage-driver": "native"})", kSource);
  ASSERT_TRUE(native.ok()) << native.status();
  EXPECT_EQ(native->storage_driver, "native");
}

TEST(DaemonConfigTest, AcceptsDockerStyleAddresses) {
  for (const char* text : {
           R"({"hosts": ["tcp://:2376", "tcp://[::1]:2376", "tcp://host.example", "unix:///s"]})",
           R"({"metrics-addr": ":9323"})",
           R"({"metrics-addr": "[::1]:9323"})",
           R"({"metrics-addr": ""})",  // Metrics off.
           R"({"cri-stream-address": "127.0.0.1:0"})",  // A free port.
           R"({"cri-stream-address": "[::1]:10010"})",
           R"({"cri-stream-address": ""})",  // Streaming off.
           R"({"registry-endpoints": {"registry.k8s.io": ["http://127.0.0.1:5000"],
                                      "quay.io:443": ["https://m.example", "https://quay.io"]}})",
           R"({"insecure-registries": ["::1", "fd00::/8", "reg.example:443"]})",
           R"({"dns-search": ["."]})",
       }) {
    auto config = ParseDaemonConfig(text, kSource);
    EXPECT_TRUE(config.ok()) << text << ": " << config.status();
  }
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
  EXPECT_EQ(message.rfind(std::string(kSource) + ": ", 0), 0u)
      << "message should start with the file: " << message;
}

INSTANTIATE_TEST_SUITE_P(
    EveryBadCase, BadConfigTest,
    ::testing::Values(
        BadCase{R"({"fooo": 1})", R"(: unknown key "fooo")"},
        BadCase{R"({"data-root": "relative/path"})",
                R"("data-root": must be an absolute path, got "relative/path")"},
        BadCase{R"({"data-root": ""})", R"("data-root": must be an absolute path)"},
        BadCase{R"({"exec-root": "run"})", R"("exec-root": must be an absolute path)"},
        BadCase{R"({"hosts": ["http://x"]})", R"("hosts": invalid host "http://x")"},
        BadCase{R"({"hosts": ["unix://relative.sock"]})", R"("hosts": invalid host)"},
        BadCase{R"({"hosts": ["tcp://"]})", R"("hosts": invalid host "tcp://")"},
        BadCase{R"({"hosts": ["tcp://0.0.0.0:99999"]})", R"("hosts": invalid host)"},
        BadCase{R"({"hosts": ["tcp://:abc"]})", R"("hosts": invalid host "tcp://:abc")"},
        BadCase{R"({"metrics-addr": ":abc"})", R"("metrics-addr": invalid address ":abc")"},
        BadCase{R"({"metrics-addr": "::1"})", R"("metrics-addr": invalid address "::1")"},
        BadCase{R"({"hosts": [1]})", R"("hosts"[0]: want a string, got number 1)"},
        BadCase{R"({"metrics-addr": "nowhere"})", R"("metrics-addr": invalid address "nowhere")"},
        BadCase{R"({"registry-endpoints": {"gcr.io": ["gcr-mirror"]}})",
                R"("registry-endpoints": "gcr.io": invalid endpoint "gcr-mirror")"},
        BadCase{R"({"registry-endpoints": {"gcr.io": []}})",
                R"("registry-endpoints": "gcr.io": no endpoints)"},
        BadCase{R"({"registry-endpoints": {"gcr.io": "http://m"}})",
                R"("registry-endpoints": "gcr.io": want a list of strings)"},
        BadCase{R"({"cri-stream-address": "127.0.0.1"})",
                R"("cri-stream-address": invalid address "127.0.0.1")"},
        BadCase{R"({"metrics-addr": "127.0.0.1:http"})", R"("metrics-addr": invalid address)"},
        BadCase{
            R"({"log-level": "loud"})",
            R"("log-level": invalid value "loud" (want one of debug, info, warn, error, fatal))"},
        BadCase{R"({"registry-mirrors": ["mirror.example"]})",
                R"("registry-mirrors": invalid mirror "mirror.example")"},
        BadCase{R"({"registry-mirrors": ["ftp://mirror.example"]})",
                R"("registry-mirrors": invalid mirror "ftp://mirror.example")"},
        BadCase{R"({"registry-mirrors": ["https://user:pw@mirror.example"]})",
                R"("registry-mirrors": invalid mirror)"},
        BadCase{R"({"registry-mirrors": ["https://"]})", R"("registry-mirrors": invalid mirror)"},
        BadCase{R"({"insecure-registries": ["bad host/x"]})",
                R"("insecure-registries": invalid registry "bad host/x")"},
        BadCase{R"({"insecure-registries": ["http://myregistry:5000"]})",
                R"("insecure-registries": invalid registry)"},
        BadCase{R"({"storage-driver": "zfs"})",
                R"("storage-driver": invalid value "zfs" (want one of overlayfs, native)"},
        BadCase{R"({"log-driver": "syslog"})", R"("log-driver": invalid value "syslog")"},
        BadCase{R"({"log-opts": {"max-size": "ten"}})",
                R"("log-opts": "max-size": invalid size "ten")"},
        BadCase{R"({"log-opts": {"max-size": "-1m"}})", R"("log-opts": "max-size": invalid size)"},
        BadCase{R"({"log-opts": {"max-size": "0"}})", R"("log-opts": "max-size": invalid size)"},
        BadCase{R"({"log-opts": {"max-file": "0"}})",
                R"("log-opts": "max-file": invalid value "0" (want a positive integer))"},
        BadCase{R"({"log-opts": {"max-file": "three"}})", R"("log-opts": "max-file": invalid)"},
        BadCase{R"({"log-opts": {"compress": "yes"}})", R"("log-opts": "compress": invalid value)"},
        BadCase{R"({"log-opts": {"colour": "red"}})", R"("log-opts": unknown log option "colour")"},
        BadCase{R"({"log-opts": {"max-size": 10}})",
                R"("log-opts": "max-size": want a string, got number 10)"},
        BadCase{R"({"cgroup-driver": "cgroupv3"})", R"("cgroup-driver": invalid value "cgroupv3")"},
        BadCase{R"({"default-ulimits": {"nofiles": {"Soft": 1, "Hard": 2}}})",
                R"("default-ulimits": "nofiles": unknown ulimit name)"},
        BadCase{R"({"default-ulimits": {"nofile": {"Name": "nofile", "Soft": 10, "Hard": 5}}})",
                R"("default-ulimits": "nofile": soft limit 10 is above hard limit 5)"},
        BadCase{R"({"default-ulimits": {"nofile": {"Soft": -1, "Hard": 5}}})",
                R"("default-ulimits": "nofile": soft limit -1 is above hard limit 5)"},
        BadCase{R"({"default-ulimits": {"nofile": {"Soft": -2, "Hard": 5}}})",
                R"("default-ulimits": "nofile": "Soft": want a limit)"},
        BadCase{R"({"default-ulimits": {"nofile": {"Soft": 1.5, "Hard": 5}}})",
                R"("default-ulimits": "nofile": "Soft": want an integer, got number 1.5)"},
        BadCase{R"({"default-ulimits": {"nofile": {"Soft": 1}}})",
                R"("default-ulimits": "nofile": want both "Soft" and "Hard")"},
        BadCase{R"({"default-ulimits": {"nofile": {"Name": "nproc", "Soft": 1, "Hard": 1}}})",
                R"("default-ulimits": "nofile": "Name": want "nofile")"},
        BadCase{R"({"default-ulimits": {"nofile": {"Soft": 1, "Hard": 1, "Max": 2}}})",
                R"("default-ulimits": "nofile": unknown field "Max")"},
        BadCase{R"({"default-ulimits": {"nofile": 5}})",
                R"("default-ulimits": "nofile": want an object)"},
        BadCase{R"({"max-layer-bytes": 0})", R"("max-layer-bytes": must be positive)"},
        BadCase{R"({"max-layer-entries": "many"})", R"("max-layer-entries")"},
        BadCase{R"({"bip": "172.30.0.1"})", R"("bip": invalid CIDR "172.30.0.1")"},
        BadCase{R"({"bip": "172.30.0.1/40"})", R"("bip": invalid CIDR)"},
        BadCase{R"({"bip": "172.30.0.1/32"})", R"("bip": invalid CIDR)"},
        BadCase{R"({"bip": "172.30.0.300/16"})", R"("bip": invalid CIDR)"},
        BadCase{R"({"bip": "fd00::1/64"})", R"("bip": invalid CIDR)"},
        BadCase{R"({"default-address-pools": [{"base": "10.0.0.0/8", "size": 4}]})",
                R"("default-address-pools"[0]: size 4 does not fit in 10.0.0.0/8 (want 8 to 30))"},
        BadCase{R"({"default-address-pools": [{"base": "10.0.0.0/8", "size": 24},
                                              {"base": "10.0.0.0/8", "size": 31}]})",
                R"("default-address-pools"[1]: size 31 does not fit)"},
        BadCase{R"({"default-address-pools": [{"base": "10.0.0.0"}]})",
                R"("default-address-pools"[0]: "base": invalid CIDR "10.0.0.0")"},
        BadCase{R"({"default-address-pools": [{"base": "10.0.0.0/8"}]})",
                R"("default-address-pools"[0]: want both "base" and "size")"},
        BadCase{R"({"default-address-pools": [{"base": "10.0.0.0/8", "size": "24"}]})",
                R"("default-address-pools"[0]: "size": want an integer, got string "24")"},
        BadCase{R"({"dns": ["8.8.8"]})", R"("dns": invalid IP address "8.8.8")"},
        BadCase{R"({"dns": ["8.8.8.8/32"]})", R"("dns": invalid IP address "8.8.8.8/32")"},
        BadCase{R"({"dns-search": ["bad domain"]})",
                R"("dns-search": invalid domain "bad domain")"},
        BadCase{R"({"audit-log": "audit.log"})", R"("audit-log": must be an absolute path)"},
        BadCase{R"({"authorization-roles": {"ops": "root"}})",
                R"("authorization-roles": "ops": invalid role "root" (want admin or viewer))"},
        BadCase{R"({"authorization-roles": {"ops": 1}})",
                R"("authorization-roles": "ops": want a string, got number 1)"},
        BadCase{R"({"log-level": "info",})", "invalid JSON"},
        BadCase{R"({"debug": true, "debug": false})", R"(: duplicate key "debug")"},
        BadCase{R"({"log-opts": {"max-size": "1m", "max-size": "2m"}})",
                R"(: "log-opts": duplicate key "max-size")"},
        BadCase{R"({"default-address-pools": [{"base": "10.0.0.0/8", "base": "11.0.0.0/8"}]})",
                R"(: "default-address-pools": duplicate key "base")"},
        BadCase{R"({"max-concurrent-downloads": -1})",
                R"("max-concurrent-downloads": invalid max concurrent downloads: -1)"},
        BadCase{R"({"max-concurrent-uploads": -2})",
                R"("max-concurrent-uploads": invalid max concurrent uploads: -2)"},
        BadCase{R"({"live-restore": "yes"})",
                R"("live-restore": want true or false, got string "yes")"},
        BadCase{R"({"shutdown-timeout": 1.5})",
                R"("shutdown-timeout": want an integer, got number 1.5)"},
        BadCase{R"([1, 2])", "want a JSON object, got array"}));

// dockerd reads 0 as the default and a negative shutdown-timeout as "wait
// for ever".
TEST(DaemonConfigTest, ConcurrencyZeroIsTheDefault) {
  auto config = ParseDaemonConfig(
      R"({"max-concurrent-downloads": 0, "max-concurrent-uploads": 0, "shutdown-timeout": -5})",
      kSource);
  ASSERT_TRUE(config.ok()) << config.status();
  EXPECT_EQ(config->max_concurrent_downloads, 3);
  EXPECT_EQ(config->max_concurrent_uploads, 5);
  EXPECT_EQ(config->shutdown_timeout, -1);
}

// A value of the wrong JSON type for every key, whatever its type.
TEST(DaemonConfigTest, WrongTypeForEveryKeyNamesIt) {
  nlohmann::json every = nlohmann::json::parse(ToJson(DaemonConfig()));
  ASSERT_EQ(every.size(), 40u);
  for (const auto& [key, value] : every.items()) {
    nlohmann::json wrong = value.is_string() ? nlohmann::json(5) : nlohmann::json("text");
    nlohmann::json document = {{key, wrong}};
    auto config = ParseDaemonConfig(document.dump(), kSource);
    ASSERT_FALSE(config.ok()) << document.dump();
    std::string message(config.status().message());
    std::string expected = absl::StrCat(kSource, ": \"", key, "\": want ");
    EXPECT_EQ(message.rfind(expected, 0), 0u) << message;
    EXPECT_NE(message.find(value.is_string() ? "got number 5" : "got string \"text\""),
              std::string::npos)
        << message;
  }
}

TEST(DaemonConfigTest, InvalidJsonReportsLineAndColumn) {
  auto config = ParseDaemonConfig("{\n  \"debug\": true,, \n}", kSource);
  ASSERT_FALSE(config.ok());
  std::string message(config.status().message());
  EXPECT_EQ(message.rfind(std::string(kSource) + ": invalid JSON: ", 0), 0u) << message;
  EXPECT_NE(message.find("line 2, column 17"), std::string::npos) << message;
  EXPECT_FALSE(ParseDaemonConfig("", kSource).ok());
}

TEST(DaemonConfigTest, FlagAndFileConflictNamesBoth) {
  auto file =
      ParseDaemonConfig(R"({"hosts": ["tcp://y"], "debug": true, "log-level": "warn"})", kSource);
  ASSERT_TRUE(file.ok()) << file.status();
  DaemonConfig flags;
  flags.hosts = {"unix:///x"};
  flags.log_level = "error";
  absl::Status status = MergeFlags(flags, {"hosts", "log-level", "data-root"}, &*file);
  ASSERT_FALSE(status.ok());
  EXPECT_EQ(status.code(), absl::StatusCode::kInvalidArgument);
  EXPECT_EQ(status.message(),
            "the following directives are specified both as a flag and in the configuration "
            "file: hosts: (from flag: [unix:///x], from file: [tcp://y]), log-level: (from flag: "
            "error, from file: warn)");
}

TEST(DaemonConfigTest, FlagsOverrideDefaultsAndAreValidated) {
  auto file = ParseDaemonConfig(R"({"debug": true})", kSource);
  ASSERT_TRUE(file.ok());
  DaemonConfig flags;
  flags.data_root = "/srv/other";
  flags.storage_driver = "vfs";
  flags.exec_root = "/ignored";  // Not in flags_set: the user did not give it.
  ASSERT_TRUE(MergeFlags(flags, {"data-root", "storage-driver"}, &*file).ok());
  EXPECT_EQ(file->data_root, "/srv/other");
  EXPECT_EQ(file->storage_driver, "native");
  EXPECT_TRUE(file->debug);
  EXPECT_EQ(file->exec_root, "/run/berth");
  EXPECT_EQ(file->keys_set, (std::set<std::string>{"data-root", "debug", "storage-driver"}));

  DaemonConfig bad;
  bad.log_level = "chatty";
  auto config = ParseDaemonConfig("{}", kSource);
  absl::Status status = MergeFlags(bad, {"log-level"}, &*config);
  ASSERT_FALSE(status.ok());
  EXPECT_EQ(status.message(),
            "flags: \"log-level\": invalid value \"chatty\" (want one of debug, info, warn, "
            "error, fatal)");
  EXPECT_EQ(config->log_level, "info") << "a failed merge leaves the configuration alone";
  EXPECT_FALSE(MergeFlags(bad, {"no-such-flag"}, &*config).ok());
}

TEST(DaemonConfigTest, ToJsonRoundTrips) {
  for (const char* text : {kEveryKey, "{}"}) {
    auto config = ParseDaemonConfig(text, kSource);
    ASSERT_TRUE(config.ok()) << config.status();
    std::string json = ToJson(*config);
    auto again = ParseDaemonConfig(json, "round trip");
    ASSERT_TRUE(again.ok()) << again.status() << "\n" << json;
    EXPECT_EQ(ToJson(*again), json);
    EXPECT_EQ(again->keys_set.size(), 40u);  // ToJson writes every key.
  }
  auto config = ParseDaemonConfig(kEveryKey, kSource);
  auto again = ParseDaemonConfig(ToJson(*config), "round trip");
  EXPECT_EQ(again->default_ulimits.at("core").hard, -1);
  EXPECT_EQ(again->default_address_pools[1].base, "fd00::/48");
  EXPECT_EQ(again->log_opts, config->log_opts);
  EXPECT_EQ(again->authorization_roles, config->authorization_roles);
}

TEST(DaemonConfigTest, MissingFileIsFineUnlessNamed) {
  std::string path = TempPath("absent.json");
  auto defaults = LoadDaemonConfigFile(path, /*must_exist=*/false);
  ASSERT_TRUE(defaults.ok()) << defaults.status();
  EXPECT_EQ(defaults->data_root, "/var/lib/berth");
  auto named = LoadDaemonConfigFile(path, /*must_exist=*/true);
  ASSERT_FALSE(named.ok());
  EXPECT_EQ(named.status().code(), absl::StatusCode::kNotFound);
  EXPECT_NE(named.status().message().find(path), std::string::npos) << named.status();

  std::string present = TempPath("daemon.json");
  std::ofstream(present) << R"({"log-level": "warn"})";
  auto loaded = LoadDaemonConfigFile(present, /*must_exist=*/false);
  ASSERT_TRUE(loaded.ok()) << loaded.status();
  EXPECT_EQ(loaded->log_level, "warn");
  EXPECT_EQ(loaded->keys_set, std::set<std::string>{"log-level"});
}

TEST(DaemonConfigTest, UnreadableOrBadFileIsAnErrorNamingIt) {
  // A directory where the file should be: not "missing", so not defaults.
  std::string dir = TempPath("daemon.json.d");
  ASSERT_EQ(::mkdir(dir.c_str(), 0755), 0);
  auto config = LoadDaemonConfigFile(dir, /*must_exist=*/false);
  ASSERT_FALSE(config.ok());
  EXPECT_NE(config.status().message().find(dir), std::string::npos) << config.status();

  std::string bad = TempPath("bad.json");
  std::ofstream(bad) << R"({"storage-driver": "zfs"})";
  auto parsed = LoadDaemonConfigFile(bad, /*must_exist=*/false);
  ASSERT_FALSE(parsed.ok());
  EXPECT_EQ(parsed.status().message().rfind(bad + ": \"storage-driver\"", 0), 0u)
      << parsed.status();
}

}  // namespace
}  // namespace berth::config

namespace berth::config {
namespace {

TEST(ReloadTest, LiveKeysChangeAndOthersWaitForARestart) {
  auto current = ParseDaemonConfig(R"({"debug": false, "labels": ["a=1"], "data-root": "/d1"})",
                                   "old");
  auto next = ParseDaemonConfig(
      R"({"debug": true, "labels": ["a=2"], "insecure-registries": ["10.0.0.0/8"],
          "data-root": "/d2"})",
      "new");
  ASSERT_TRUE(current.ok() && next.ok());
  Reload reload = ApplyReload(*current, *next);
  EXPECT_TRUE(reload.config.debug);
  EXPECT_EQ(reload.config.labels, std::vector<std::string>{"a=2"});
  EXPECT_EQ(reload.config.insecure_registries, std::vector<std::string>{"10.0.0.0/8"});
  EXPECT_EQ(reload.config.data_root, "/d1");
  EXPECT_EQ(reload.changed,
            (std::vector<std::string>{"debug", "labels", "insecure-registries"}));
  EXPECT_EQ(reload.need_restart, std::vector<std::string>{"data-root"});

  Reload same = ApplyReload(*current, *current);
  EXPECT_TRUE(same.changed.empty());
  EXPECT_TRUE(same.need_restart.empty());
}

TEST(ReloadTest, TransferLimitsShutdownAndLiveRestoreAreLive) {
  auto current = ParseDaemonConfig("{}", "old");
  auto next = ParseDaemonConfig(
      R"({"max-concurrent-downloads": 1, "max-concurrent-uploads": 9, "shutdown-timeout": 3,
          "live-restore": false,
          "default-ulimits": {"nofile": {"Name": "nofile", "Soft": 100, "Hard": 200}}})",
      "new");
  ASSERT_TRUE(current.ok() && next.ok());
  Reload reload = ApplyReload(*current, *next);
  EXPECT_EQ(reload.config.max_concurrent_downloads, 1);
  EXPECT_EQ(reload.config.max_concurrent_uploads, 9);
  EXPECT_EQ(reload.config.shutdown_timeout, 3);
  EXPECT_FALSE(reload.config.live_restore);
  EXPECT_EQ(reload.config.default_ulimits.at("nofile").hard, 200);
  EXPECT_EQ(reload.changed,
            (std::vector<std::string>{"default-ulimits", "max-concurrent-downloads",
                                      "max-concurrent-uploads", "shutdown-timeout",
                                      "live-restore"}));
  EXPECT_TRUE(reload.need_restart.empty());
}

TEST(ReloadTest, LoopbackRegistriesAreAlwaysInsecure) {
  DaemonConfig config;
  EXPECT_EQ(InsecureRegistries(config), (std::vector<std::string>{"::1/128", "127.0.0.0/8"}));
  config.insecure_registries = {"10.1.0.0/16", "127.0.0.0/8"};
  EXPECT_EQ(InsecureRegistries(config),
            (std::vector<std::string>{"10.1.0.0/16", "127.0.0.0/8", "::1/128"}));
}

}  // namespace
}  // namespace berth::config
