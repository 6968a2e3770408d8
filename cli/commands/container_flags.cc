#include "cli/commands/container_flags.h"

#include <algorithm>

#include "absl/strings/match.h"
#include "absl/strings/str_cat.h"
#include "cli/commands/container_parse.h"

namespace berth::cli {
namespace {

enum class Kind { kBool, kValue, kList };

struct FlagDef {
  char shorthand;
  const char* name;
  Kind kind;
  const char* type;
  const char* usage;
  bool ContainerFlags::*boolean = nullptr;
  std::string ContainerFlags::*value = nullptr;
  std::vector<std::string> ContainerFlags::*list = nullptr;
  bool hidden = false;
};

FlagDef Bool(char shorthand, const char* name, bool ContainerFlags::*member, const char* usage) {
  FlagDef def{shorthand, name, Kind::kBool, "", usage};
  def.boolean = member;
  return def;
}

FlagDef Value(char shorthand, const char* name, std::string ContainerFlags::*member,
              const char* type, const char* usage) {
  FlagDef def{shorthand, name, Kind::kValue, type, usage};
  def.value = member;
  return def;
}

FlagDef List(char shorthand, const char* name, std::vector<std::string> ContainerFlags::*member,
             const char* type, const char* usage) {
  FlagDef def{shorthand, name, Kind::kList, type, usage};
  def.list = member;
  return def;
}

FlagDef Hidden(FlagDef def) {
  def.hidden = true;
  return def;
}

using F = ContainerFlags;

const std::vector<FlagDef>& Flags() {
  static const std::vector<FlagDef> kFlags = {
      List(0, "add-host", &F::add_hosts, "list", "Add a custom host-to-IP mapping (host:ip)"),
      Value(0, "blkio-weight", &F::blkio_weight, "uint16",
            "Block IO (relative weight), between 10 and 1000, or 0 to disable (default 0)"),
      List(0, "cap-add", &F::cap_add, "list", "Add Linux capabilities"),
      List(0, "cap-drop", &F::cap_drop, "list", "Drop Linux capabilities"),
      Value(0, "cgroup-parent", &F::cgroup_parent, "string", "Optional parent cgroup for the container"),
      Value('c', "cpu-shares", &F::cpu_shares, "int", "CPU shares (relative weight)"),
      Value(0, "cpus", &F::cpus, "decimal", "Number of CPUs"),
      Value(0, "cpuset-cpus", &F::cpuset_cpus, "string", "CPUs in which to allow execution (0-3, 0,1)"),
      Value(0, "cpuset-mems", &F::cpuset_mems, "string", "MEMs in which to allow execution (0-3, 0,1)"),
      Bool('d', "detach", &F::detach, "Run container in background and print container ID"),
      Value(0, "detach-keys", &F::detach_keys, "string", "Override the key sequence for detaching a container"),
      List(0, "device", &F::devices, "list", "Add a host device to the container"),
      List(0, "device-cgroup-rule", &F::device_cgroup_rules, "list",
           "Add a rule to the cgroup allowed devices list"),
      List(0, "dns", &F::dns, "list", "Set custom DNS servers"),
      List(0, "dns-option", &F::dns_options, "list", "Set DNS options"),
      List(0, "dns-search", &F::dns_search, "list", "Set custom DNS search domains"),
      Value(0, "domainname", &F::domainname, "string", "Container NIS domain name"),
      Value(0, "entrypoint", &F::entrypoint, "string", "Overwrite the default ENTRYPOINT of the image"),
      List('e', "env", &F::env, "list", "Set environment variables"),
      List(0, "env-file", &F::env_files, "list", "Read in a file of environment variables"),
      List(0, "expose", &F::expose, "list", "Expose a port or a range of ports"),
      Value(0, "gpus", &F::gpus, "gpu-request", "GPU devices to add to the container ('all' to pass all GPUs)"),
      List(0, "group-add", &F::group_add, "list", "Add additional groups to join"),
      Value(0, "health-cmd", &F::health_cmd, "string", "Command to run to check health"),
      Value(0, "health-interval", &F::health_interval, "duration",
            "Time between running the check (ms|s|m|h) (default 0s)"),
      Value(0, "health-retries", &F::health_retries, "int",
            "Consecutive failures needed to report unhealthy"),
      Value(0, "health-start-interval", &F::health_start_interval, "duration",
            "Time between running the check during the start period (ms|s|m|h) (default 0s)"),
      Value(0, "health-start-period", &F::health_start_period, "duration",
            "Start period for the container to initialize before starting health-retries countdown "
            "(ms|s|m|h) (default 0s)"),
      Value(0, "health-timeout", &F::health_timeout, "duration",
            "Maximum time to allow one check to run (ms|s|m|h) (default 0s)"),
      Bool(0, "help", &F::help, "Print usage"),
      Value('h', "hostname", &F::hostname, "string", "Container host name"),
      Bool(0, "init", &F::init, "Run an init inside the container that forwards signals and reaps processes"),
      Bool('i', "interactive", &F::interactive, "Keep STDIN open even if not attached"),
      Value(0, "ipc", &F::ipc, "string", "IPC mode to use"),
      List('l', "label", &F::labels, "list", "Set meta data on a container"),
      List(0, "label-file", &F::label_files, "list", "Read in a line delimited file of labels"),
      List(0, "link", &F::links, "list", "Add link to another container"),
      Value(0, "log-driver", &F::log_driver, "string", "Logging driver for the container"),
      List(0, "log-opt", &F::log_opts, "list", "Log driver options"),
      Value('m', "memory", &F::memory, "bytes", "Memory limit"),
      Value(0, "memory-reservation", &F::memory_reservation, "bytes", "Memory soft limit"),
      Value(0, "memory-swap", &F::memory_swap, "bytes",
            "Swap limit equal to memory plus swap: '-1' to enable unlimited swap"),
      List(0, "mount", &F::mounts, "mount", "Attach a filesystem mount to the container"),
      Value(0, "name", &F::name, "string", "Assign a name to the container"),
      Value(0, "network", &F::network, "network", "Connect a container to a network"),
      Hidden(Value(0, "net", &F::network, "network", "Connect a container to a network")),
      List(0, "network-alias", &F::network_aliases, "list", "Add network-scoped alias for the container"),
      Hidden(List(0, "net-alias", &F::network_aliases, "list", "Add network-scoped alias for the container")),
      Bool(0, "no-healthcheck", &F::no_healthcheck, "Disable any container-specified HEALTHCHECK"),
      Bool(0, "oom-kill-disable", &F::oom_kill_disable, "Disable OOM Killer"),
      Value(0, "oom-score-adj", &F::oom_score_adj, "int", "Tune host's OOM preferences (-1000 to 1000)"),
      Value(0, "pid", &F::pid, "string", "PID namespace to use"),
      Value(0, "pids-limit", &F::pids_limit, "int", "Tune container pids limit (set -1 for unlimited)"),
      Value(0, "platform", &F::platform, "string", "Set platform if server is multi-platform capable"),
      Bool(0, "privileged", &F::privileged, "Give extended privileges to this container"),
      List('p', "publish", &F::publish, "list", "Publish a container's port(s) to the host"),
      Bool('P', "publish-all", &F::publish_all, "Publish all exposed ports to random ports"),
      Value(0, "pull", &F::pull, "string",
            "Pull image before running (\"always\", \"missing\", \"never\") (default \"missing\")"),
      Bool(0, "read-only", &F::read_only, "Mount the container's root filesystem as read only"),
      Value(0, "restart", &F::restart, "string",
            "Restart policy to apply when a container exits (default \"no\")"),
      Bool(0, "rm", &F::rm, "Automatically remove the container and its associated anonymous volumes when it exits"),
      List(0, "security-opt", &F::security_opt, "list", "Security Options"),
      Bool(0, "sig-proxy", &F::sig_proxy, "Proxy received signals to the process (default true)"),
      Value(0, "stop-signal", &F::stop_signal, "string", "Signal to stop the container"),
      Value(0, "stop-timeout", &F::stop_timeout, "int", "Timeout (in seconds) to stop a container"),
      List(0, "sysctl", &F::sysctls, "map", "Sysctl options"),
      List(0, "tmpfs", &F::tmpfs, "list", "Mount a tmpfs directory"),
      Bool('t', "tty", &F::tty, "Allocate a pseudo-TTY"),
      List(0, "ulimit", &F::ulimits, "ulimit", "Ulimit options"),
      Value('u', "user", &F::user, "string", "Username or UID (format: <name|uid>[:<group|gid>])"),
      Value(0, "uts", &F::uts, "string", "UTS namespace to use"),
      Value(0, "userns", &F::userns, "string", "User namespace to use"),
      List('v', "volume", &F::volumes, "list", "Bind mount a volume"),
      List(0, "volumes-from", &F::volumes_from, "list", "Mount volumes from the specified container(s)"),
      Value('w', "workdir", &F::workdir, "string", "Working directory inside the container"),
  };
  return kFlags;
}

const FlagDef* FindLong(const std::string& name) {
  for (const FlagDef& def : Flags()) {
    if (name == def.name) return &def;
  }
  return nullptr;
}

const FlagDef* FindShort(char shorthand) {
  for (const FlagDef& def : Flags()) {
    if (def.shorthand == shorthand) return &def;
  }
  return nullptr;
}

// pflag's name for a flag in errors: "-m, --memory" or "--cpus".
std::string DisplayName(const FlagDef& def) {
  return def.shorthand != 0 ? absl::StrCat("-", std::string(1, def.shorthand), ", --", def.name)
                            : absl::StrCat("--", def.name);
}

std::string DisplayName(const std::string& long_name) {
  const FlagDef* def = FindLong(long_name);
  return def != nullptr ? DisplayName(*def) : "--" + long_name;
}

std::optional<FlagError> SetFlag(const FlagDef& def, const std::string& value, bool has_value,
                                 ContainerFlags* flags) {
  flags->changed.insert(def.name);
  switch (def.kind) {
    case Kind::kBool: {
      bool on = true;
      if (has_value) {
        auto parsed = ParseGoBool(value);
        if (!parsed.ok()) return InvalidFlagValue(value, def.name, parsed.status());
        on = *parsed;
      }
      flags->*def.boolean = on;
      break;
    }
    case Kind::kValue:
      flags->*def.value = value;
      break;
    case Kind::kList:
      (flags->*def.list).push_back(value);
      break;
  }
  return std::nullopt;
}

}  // namespace

FlagError InvalidFlagValue(const std::string& value, const std::string& long_name, const absl::Status& status) {
  return {absl::StrCat("invalid argument \"", value, "\" for \"", DisplayName(long_name), "\" flag: ",
                       status.message()),
          true};
}

std::optional<FlagError> ParseContainerArgs(const std::vector<std::string>& words,
                                            ContainerFlags* flags) {
  for (size_t i = 0; i < words.size(); ++i) {
    const std::string& word = words[i];
    if (word == "--") {
      flags->args.assign(words.begin() + static_cast<long>(i) + 1, words.end());
      return std::nullopt;
    }
    if (word.size() < 2 || word[0] != '-') {
      flags->args.assign(words.begin() + static_cast<long>(i), words.end());
      return std::nullopt;
    }
    if (absl::StartsWith(word, "--")) {
      size_t eq = word.find('=');
      std::string name = word.substr(2, eq == std::string::npos ? std::string::npos : eq - 2);
      const FlagDef* def = FindLong(name);
      if (def == nullptr) return FlagError{"unknown flag: --" + name, true};
      bool has_value = eq != std::string::npos;
      std::string value = has_value ? word.substr(eq + 1) : "";
      if (def->kind != Kind::kBool && !has_value) {
        if (i + 1 >= words.size()) return FlagError{"flag needs an argument: --" + name, true};
        value = words[++i];
        has_value = true;
      }
      if (auto error = SetFlag(*def, value, has_value, flags)) return error;
      continue;
    }
    // Shorthands: "-it", "-p80:80", "-e=A=B", "-d=false".
    std::string shorthands = word.substr(1);
    while (!shorthands.empty()) {
      char c = shorthands[0];
      const FlagDef* def = FindShort(c);
      if (def == nullptr) {
        return FlagError{absl::StrCat("unknown shorthand flag: '", std::string(1, c), "' in -", shorthands),
                         true};
      }
      std::string rest = shorthands.substr(1);
      if (def->kind == Kind::kBool) {
        if (absl::StartsWith(rest, "=")) {
          if (auto error = SetFlag(*def, rest.substr(1), true, flags)) return error;
          break;
        }
        if (auto error = SetFlag(*def, "", false, flags)) return error;
        shorthands = rest;
        continue;
      }
      std::string value;
      if (!rest.empty()) {
        value = absl::StartsWith(rest, "=") ? rest.substr(1) : rest;
      } else if (i + 1 < words.size()) {
        value = words[++i];
      } else {
        return FlagError{absl::StrCat("flag needs an argument: '", std::string(1, c), "' in -", shorthands),
                         true};
      }
      if (auto error = SetFlag(*def, value, true, flags)) return error;
      break;
    }
  }
  return std::nullopt;
}

std::string ContainerFlagsHelp() {
  std::vector<std::pair<std::string, std::string>> lines;
  size_t width = 0;
  for (const FlagDef& def : Flags()) {
    if (def.hidden) continue;
    std::string left = def.shorthand != 0 ? absl::StrCat("  -", std::string(1, def.shorthand), ", --", def.name)
                                          : absl::StrCat("      --", def.name);
    if (def.kind != Kind::kBool) absl::StrAppend(&left, " ", def.type);
    width = std::max(width, left.size());
    lines.emplace_back(left, def.usage);
  }
  std::string out = "Options:\n";
  for (const auto& [left, usage] : lines) {
    absl::StrAppend(&out, left, std::string(width + 3 - left.size(), ' '), usage, "\n");
  }
  return out;
}

}  // namespace berth::cli
