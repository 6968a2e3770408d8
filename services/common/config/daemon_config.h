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

// One entry of "default-ulimits", docker's shape:
//   "nofile": {"Name": "nofile", "Soft": 64000, "Hard": 64000}
struct Ulimit {
  std::string name;
  // -1 means unlimited (RLIM_INFINITY).
  int64_t soft = 0;
  int64_t hard = 0;
};

// One entry of "default-address-pools": {"base": "172.80.0.0/16", "size": 24}.
struct AddressPool {
  std::string base;
  // Prefix length of each network carved from base.
  int size = 24;
};

struct DaemonConfig {
  std::string data_root = "/var/lib/berth";
  std::string exec_root = "/run/berth";
  // unix:///path or tcp://host[:port]. Empty: unix://<exec-root>/berth.sock.
  std::vector<std::string> hosts;
  bool tls = false;
  bool tlsverify = false;
  std::string tlscacert;
  std::string tlscert;
  std::string tlskey;
  // host:port of the Prometheus endpoint; empty turns it off.
  std::string metrics_addr = "127.0.0.1:9323";
  // debug | info | warn | error | fatal.
  std::string log_level = "info";
  bool debug = false;
  // The daemon's own labels, "key=value" (docker info shows them).
  std::vector<std::string> labels;
  // http(s) URLs, tried before Docker Hub for docker.io images.
  std::vector<std::string> registry_mirrors;
  // Registry host → the http(s) endpoints a pull from it uses, in order,
  // and only those (a node behind a private mirror must not reach out to
  // the real host; list the host itself to keep it as a last resort).
  std::map<std::string, std::vector<std::string>> registry_endpoints;
  // host[:port] or CIDR.
  std::vector<std::string> insecure_registries;
  // overlayfs | native; docker's overlay2 and vfs are read as these.
  std::string storage_driver = "overlayfs";
  // Limits on one layer's unpacked bytes and tar entries: a pulled or
  // loaded layer over either is refused (decompression bombs).
  int64_t max_layer_bytes = int64_t{64} << 30;
  int64_t max_layer_entries = int64_t{4} << 20;
  // json-file | none.
  std::string log_driver = "json-file";
  // json-file's options: max-size, max-file, compress, labels, env, tag...
  std::map<std::string, std::string> log_opts;
  // Empty: systemd when systemd is PID 1, else cgroupfs (berthd resolves it
  // before the services read the configuration).
  std::string cgroup_driver;
  // Where containers' cgroups go: a path under each hierarchy's root
  // (cgroupfs) or a slice (systemd). Empty: "berth" or "system.slice".
  std::string cgroup_parent;
  // Keyed by rlimit name (nofile, nproc...). A container gets each one it
  // does not set itself (--ulimit wins), fixed at create.
  std::map<std::string, Ulimit> default_ulimits;
  // Layers one pull downloads, and one push uploads, at the same time
  // (dockerd's defaults; 0 in the file means the default).
  int max_concurrent_downloads = 3;
  int max_concurrent_uploads = 5;
  // Seconds berthd waits at an orderly stop for containers to end when
  // live-restore is off (at least each container's stop timeout + 5, as
  // dockerd); negative waits for ever.
  int shutdown_timeout = 15;
  // Containers keep running while berthd is stopped. berth's default is
  // true (dockerd's is false): shims own containers and outlive berthd.
  bool live_restore = true;
  // The default bridge's address and prefix, e.g. 172.30.0.1/16.
  std::string bip;
  std::vector<AddressPool> default_address_pools;
  // What --add-host NAME:host-gateway stands for; empty: the default
  // bridge's address (dockerd's host-gateway-ip).
  std::string host_gateway_ip;
  // IP addresses.
  std::vector<std::string> dns;
  std::vector<std::string> dns_search;
  std::string userns_remap;
  // Allows tcp:// hosts without TLS: an explicit opt-in to unauthenticated
  // remote control.
  bool insecure_tcp = false;
  // Empty: berthd writes <data-root>/audit.log.
  std::string audit_log;
  // Certificate organisation or common name → admin | viewer.
  std::map<std::string, std::string> authorization_roles;
  // The Docker Engine API's unix socket; berthd makes an unset one
  // <exec-root>/docker.sock, and "" turns the front door off.
  std::string docker_socket;
  // The Kubernetes CRI's unix socket; berthd makes an unset one
  // <exec-root>/cri.sock, and "" turns the CRI off.
  std::string cri_socket;
  // Where the CRI's streaming server (exec, attach, port-forward URLs)
  // listens, host:port; berthd makes an unset one 127.0.0.1:0 (a free
  // port), and "" turns streaming off.
  std::string cri_stream_address;
  // More Docker Engine API endpoints: tcp://host:port (mutual TLS with the
  // tls* keys, as hosts) and unix:///path (e.g. /var/run/docker.sock, never
  // taken from a live daemon).
  std::vector<std::string> docker_hosts;

  // The daemon.json keys that were given (for the flag/file conflict check).
  std::set<std::string> keys_set;
};

// Parses and validates a daemon.json. Errors start with source_name and name
// the key, e.g.
//   /etc/berth/daemon.json: "log-level": invalid value "loud" (want one of ...)
//   /etc/berth/daemon.json: unknown key "fooo"
absl::StatusOr<DaemonConfig> ParseDaemonConfig(std::string_view json, std::string_view source_name);

// A missing file gives the defaults, unless must_exist (the user named it
// with --config-file).
absl::StatusOr<DaemonConfig> LoadDaemonConfigFile(const std::string& path, bool must_exist);

// Applies the flags the user gave (flags_set holds their daemon.json names,
// e.g. "hosts" for -H) over config, validating them with the file's rules.
// As with dockerd, a setting given both ways is an error naming both values.
absl::Status MergeFlags(const DaemonConfig& from_flags, const std::set<std::string>& flags_set,
                        DaemonConfig* config);

// The configured insecure registries and, as dockerd always adds them, the
// loopback networks ::1/128 and 127.0.0.0/8: a registry on this host needs
// no configuration.
std::vector<std::string> InsecureRegistries(const DaemonConfig& config);

// A reload (SIGHUP) as dockerd does it: the keys that take effect live
// (debug, log-level, labels, registry-mirrors, insecure-registries,
// default-ulimits, max-concurrent-downloads/uploads, shutdown-timeout,
// live-restore) take next's values; any other key that differs keeps
// its current value until a restart.
struct Reload {
  DaemonConfig config;
  std::vector<std::string> changed;       // live keys whose value changed
  std::vector<std::string> need_restart;  // other keys whose value differs
};
Reload ApplyReload(const DaemonConfig& current, const DaemonConfig& next);

// The changed keys with their new values, as one line of JSON for the log:
// {"debug":true,"labels":["a=1"]}
std::string ChangedKeysJson(const Reload& reload);

// The effective configuration as daemon.json, every key present; parsing it
// back gives an equal configuration (keys_set aside).
std::string ToJson(const DaemonConfig& config);

}  // namespace berth::config

#endif  // BERTH_SERVICES_COMMON_CONFIG_DAEMON_CONFIG_H_
