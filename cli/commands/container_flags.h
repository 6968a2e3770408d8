#ifndef BERTH_CLI_COMMANDS_CONTAINER_FLAGS_H_
#define BERTH_CLI_COMMANDS_CONTAINER_FLAGS_H_

// `berth run` and `berth create` flags. They are parsed here rather than by
// CLI11 because docker's rules differ: flags stop at IMAGE (everything after
// it is the container's command), `-h` is --hostname, `--entrypoint=` is an
// empty value, and errors have pflag's wording.

#include <optional>
#include <set>
#include <string>
#include <vector>

#include "absl/status/status.h"

namespace berth::cli {

struct ContainerFlags {
  // Booleans.
  bool detach = false, rm = false, tty = false, interactive = false, read_only = false;
  bool privileged = false, init = false, publish_all = false, oom_kill_disable = false;
  bool sig_proxy = true, help = false;
  // Single values, kept as typed and checked by BuildContainerSpec.
  std::string name, workdir, user, hostname, domainname, entrypoint, network, stop_signal;
  std::string stop_timeout, platform, pull = "missing", log_driver, restart, memory, memory_swap;
  std::string memory_reservation, cpus, cpu_shares, cpuset_cpus, cpuset_mems, pids_limit;
  std::string blkio_weight, oom_score_adj, cgroup_parent, ipc, pid, uts, userns, detach_keys, gpus;
  // Health checks (--health-*, --no-healthcheck).
  std::string health_cmd, health_interval, health_timeout, health_retries, health_start_period;
  std::string health_start_interval;
  bool no_healthcheck = false;
  // Repeatable.
  std::vector<std::string> env, env_files, labels, label_files, cap_add, cap_drop, security_opt;
  std::vector<std::string> ulimits, publish, expose, volumes, mounts, tmpfs, add_hosts, dns;
  std::vector<std::string> dns_search, dns_options, sysctls, log_opts, network_aliases;
  std::vector<std::string> volumes_from, group_add, devices, device_cgroup_rules, links;
  // Long names of the flags given (to tell `--entrypoint ""` from no flag).
  std::set<std::string> changed;
  // IMAGE [COMMAND [ARG...]].
  std::vector<std::string> args;

  bool Changed(const std::string& name) const { return changed.count(name) > 0; }
};

// What went wrong with the flags. pflag's own errors ("unknown flag: --x",
// `invalid argument "32x" for "-m, --memory" flag: ...`) print as they are;
// the others as docker's reportError: "berth: MESSAGE."; both followed by
// "See 'berth run --help'." and exit code 125.
struct FlagError {
  std::string message;
  bool pflag = false;
};

// Parses the words after `run`/`create` as pflag does with interspersed
// flags off: flags until the first non-flag word, which is IMAGE.
std::optional<FlagError> ParseContainerArgs(const std::vector<std::string>& words,
                                            ContainerFlags* flags);

// The "Options:" part of `berth run --help`.
std::string ContainerFlagsHelp();

// pflag's `invalid argument "VALUE" for "-m, --memory" flag: REASON`, the
// flag named by its long name.
FlagError InvalidFlagValue(const std::string& value, const std::string& long_name, const absl::Status& status);

}  // namespace berth::cli

#endif  // BERTH_CLI_COMMANDS_CONTAINER_FLAGS_H_
