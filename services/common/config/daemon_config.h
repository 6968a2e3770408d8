#ifndef BERTH_SERVICES_COMMON_CONFIG_DAEMON_CONFIG_H_
#define BERTH_SERVICES_COMMON_CONFIG_DAEMON_CONFIG_H_

// berthd's configuration: dockerd's flags and a dockerd-style daemon.json
// (kebab-case keys). berthd merges the two and hands the effective result to
// its services as JSON.

#include <cstdint>
#include <map>
#include <set>
#include <string>
#include <string_view>
#include <vector>

#include "absl/status/status.h"
#include "absl/status/statusor.h"

namespace berth::config {

struct Ulimit {
  std::string name;
  int64_t soft = 0;
  int64_t hard = 0;
};

struct AddressPool {
  // CIDR, e.g. 172.80.0.0/16.
  std::string base;
  // Prefix length of each network carved from it.
  int size = 24;
};

struct DaemonConfig {
  std::string data_root = "/var/lib/berth";
  std::string exec_root = "/run/berth";
  std::vector<std::string> hosts;
  bool tls = false;
  bool tlsverify = false;
  std::string tlscacert;
  std::string tlscert;
  std::string tlskey;
  std::string metrics_addr = "127.0.0.1:9323";
  std::string log_level = "info";
  bool debug = false;
  std::vector<std::string> registry_mirrors;
  std::vector<std::string> insecure_registries;
  // overlayfs or native (docker's overlay2 and vfs are accepted as aliases).
  std::string storage_driver = "overlayfs";
  std::string log_driver = "json-file";
  std::map<std::string, std::string> log_opts;
  // Empty: systemd when systemd is PID 1, else cgroupfs.
  std::string cgroup_driver;
  std::map<std::string, Ulimit> default_ulimits;
  std::string bip;
  std::vector<AddressPool> default_address_pools;
  std::vector<std::string> dns;
  std::vector<std::string> dns_search;
  std::string userns_remap;
  bool insecure_tcp = false;
  std::string audit_log;
  // Certificate organisation or common name → admin | viewer.
  std::map<std::string, std::string> authorization_roles;

  // The daemon.json keys the file set (for the flag/file conflict check).
  std::set<std::string> keys_set;
};

// Parses and validates a daemon.json; errors name the key, e.g.
//   /etc/berth/daemon.json: "log-level": invalid value "loud" (want one of ...)
absl::StatusOr<DaemonConfig> ParseDaemonConfig(std::string_view json,
                                               std::string_view source_name);

// A missing file gives the defaults, unless must_exist (--config-file given).
absl::StatusOr<DaemonConfig> LoadDaemonConfigFile(const std::string& path, bool must_exist);

// Applies the flags the user gave (flags_set holds their daemon.json names)
// over config. A setting given both ways is an error, as with dockerd.
absl::Status MergeFlags(const DaemonConfig& from_flags, const std::set<std::string>& flags_set,
                        DaemonConfig* config);

// The effective configuration as daemon.json (every key); parses back to
// an equal configuration.
std::string ToJson(const DaemonConfig& config);

// "10m", "1g", "512k", "100" → bytes; docker's units.RAMInBytes rules.
absl::StatusOr<int64_t> ParseByteSize(std::string_view text);

}  // namespace berth::config

#endif  // BERTH_SERVICES_COMMON_CONFIG_DAEMON_CONFIG_H_
