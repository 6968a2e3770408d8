#include "cli/commands/container_spec.h"

#include <cerrno>
#include <cstdlib>
#include <cstring>
#include <fstream>
#include <sstream>

#include "absl/strings/ascii.h"
#include "absl/strings/str_cat.h"

namespace berth::cli {
namespace {

using berth::tasks::v1::ContainerSpec;

FlagError Plain(const absl::Status& status, const std::string& prefix = "") {
  return {prefix + std::string(status.message()), false};
}

// int flags ("--stop-timeout 10"); nullopt for an empty (unset) value.
std::optional<FlagError> ParseIntFlag(const std::string& value, const std::string& long_name,
                                      int bits, int64_t* out) {
  if (value.empty()) return std::nullopt;
  auto parsed = ParseGoInt(value, bits);
  if (!parsed.ok()) return InvalidFlagValue(value, long_name, parsed.status());
  *out = *parsed;
  return std::nullopt;
}

std::optional<FlagError> AddEnvironment(const ContainerFlags& flags, const SpecSources& sources,
                                        ContainerSpec* spec) {
  for (const std::string& path : flags.env_files) {
    auto content = sources.read_file(path);
    if (!content.ok()) return Plain(content.status());
    auto lines = ParseEnvFile(*content, sources.lookup_env);
    if (!lines.ok()) return Plain(lines.status());
    for (const std::string& line : *lines) spec->add_env(line);
  }
  for (const std::string& item : flags.env) {
    auto env = ParseEnvFlag(item, sources.lookup_env);
    if (!env.ok()) return InvalidFlagValue(item, "env", env.status());
    spec->add_env(*env);
  }
  EnvLookup no_lookup = [](const std::string&) { return std::optional<std::string>(); };
  for (const std::string& path : flags.label_files) {
    auto content = sources.read_file(path);
    if (!content.ok()) return Plain(content.status());
    auto lines = ParseEnvFile(*content, no_lookup);
    if (!lines.ok()) return Plain(lines.status());
    for (const std::string& line : *lines) {
      size_t eq = line.find('=');
      (*spec->mutable_labels())[line.substr(0, eq)] = line.substr(eq + 1);
    }
  }
  for (const std::string& item : flags.labels) {
    auto label = ParseLabel(item);
    if (!label.ok()) return InvalidFlagValue(item, "label", label.status());
    (*spec->mutable_labels())[label->first] = label->second;
  }
  return std::nullopt;
}

std::optional<FlagError> AddMounts(const ContainerFlags& flags, ContainerSpec* spec) {
  for (const std::string& item : flags.volumes) {
    auto mount = ParseVolumeSpec(item);
    if (!mount.ok()) return Plain(mount.status());
    *spec->add_mounts() = *mount;
  }
  for (const std::string& item : flags.mounts) {
    auto mount = ParseMountFlag(item);
    if (!mount.ok()) return InvalidFlagValue(item, "mount", mount.status());
    *spec->add_mounts() = *mount;
  }
  for (const std::string& item : flags.tmpfs) {
    auto mount = ParseTmpfsSpec(item);
    if (!mount.ok()) return Plain(mount.status());
    *spec->add_mounts() = *mount;
  }
  for (const std::string& item : flags.volumes_from) spec->add_volumes_from(item);
  for (const std::string& item : flags.links) spec->add_links(item);
  return std::nullopt;
}

std::optional<FlagError> AddNetworking(const ContainerFlags& flags, ContainerSpec* spec) {
  spec->set_network_mode(flags.network);
  for (const std::string& alias : flags.network_aliases) spec->add_network_aliases(alias);
  for (const std::string& item : flags.publish) {
    auto bindings = ParsePortSpec(item);
    if (!bindings.ok()) return Plain(bindings.status());
    for (const auto& binding : *bindings) *spec->add_port_bindings() = binding;
  }
  spec->set_publish_all_ports(flags.publish_all);
  for (const std::string& item : flags.expose) {
    auto ports = ParseExposedPorts(item);
    if (!ports.ok()) return Plain(ports.status());
    for (const std::string& port : *ports) spec->add_exposed_ports(port);
  }
  for (const std::string& item : flags.dns) {
    auto address = ParseIpAddress(item);
    if (!address.ok()) return InvalidFlagValue(item, "dns", address.status());
    spec->add_dns(*address);
  }
  for (const std::string& item : flags.dns_search) spec->add_dns_search(item);
  for (const std::string& item : flags.dns_options) spec->add_dns_options(item);
  for (const std::string& item : flags.add_hosts) {
    auto host = ParseExtraHost(item);
    if (!host.ok()) return InvalidFlagValue(item, "add-host", host.status());
    spec->add_extra_hosts(*host);
  }
  return std::nullopt;
}

std::optional<FlagError> AddSecurity(const ContainerFlags& flags, ContainerSpec* spec) {
  spec->set_read_only_rootfs(flags.read_only);
  spec->set_privileged(flags.privileged);
  for (const std::string& cap : flags.cap_add) spec->add_cap_add(cap);
  for (const std::string& cap : flags.cap_drop) spec->add_cap_drop(cap);
  for (const std::string& opt : flags.security_opt) {
    // As docker's CLI: a seccomp profile travels as its content.
    std::string key = opt.substr(0, opt.find_first_of("=:"));
    std::string value = opt.size() > key.size() ? opt.substr(key.size() + 1) : "";
    if (key == "seccomp" && value != "unconfined" && value != "builtin" && !value.empty()) {
      std::ifstream file(value);
      if (!file) {
        return Plain(absl::NotFoundError(absl::StrCat("opening seccomp profile (", value,
                                                      ") failed: open ", value, ": ",
                                                      std::strerror(errno))));
      }
      std::stringstream content;
      content << file.rdbuf();
      spec->add_security_opt("seccomp=" + content.str());
      continue;
    }
    spec->add_security_opt(opt);
  }
  for (const std::string& item : flags.devices) {
    auto device = ParseDeviceFlag(item);
    if (!device.ok()) return Plain(device.status());
    *spec->add_devices() = *device;
  }
  for (const std::string& rule : flags.device_cgroup_rules) {
    if (absl::Status status = ValidateDeviceCgroupRule(rule); !status.ok()) {
      return InvalidFlagValue(rule, "device-cgroup-rule", status);
    }
    spec->add_device_cgroup_rules(rule);
  }
  if (!flags.gpus.empty()) {
    auto request = ParseGpusFlag(flags.gpus);
    if (!request.ok()) return InvalidFlagValue(flags.gpus, "gpus", request.status());
    *spec->add_device_requests() = *request;
  }
  for (const std::string& item : flags.ulimits) {
    auto ulimit = ParseUlimit(item);
    if (!ulimit.ok()) return InvalidFlagValue(item, "ulimit", ulimit.status());
    *spec->add_ulimits() = *ulimit;
  }
  for (const std::string& item : flags.sysctls) {
    size_t eq = item.find('=');
    if (eq == std::string::npos || eq == 0) {
      return InvalidFlagValue(item, "sysctl",
                             absl::InvalidArgumentError(absl::StrCat("sysctl '", item, "' is not allowed")));
    }
    (*spec->mutable_sysctls())[item.substr(0, eq)] = item.substr(eq + 1);
  }
  int64_t oom_score_adj = 0;
  if (auto error = ParseIntFlag(flags.oom_score_adj, "oom-score-adj", 32, &oom_score_adj)) return error;
  spec->set_oom_score_adj(static_cast<int32_t>(oom_score_adj));
  for (const std::string& group : flags.group_add) spec->add_group_add(group);
  spec->set_cgroup_parent(flags.cgroup_parent);
  spec->set_ipc_mode(flags.ipc);
  spec->set_pid_mode(flags.pid);
  // docker's UTS modes (the tasks API's container:X is for berth-cri's pods).
  if (!flags.uts.empty() && flags.uts != "host") {
    return Plain(absl::InvalidArgumentError(absl::StrCat("invalid UTS mode: ", flags.uts)));
  }
  spec->set_uts_mode(flags.uts);
  spec->set_userns_mode(flags.userns);
  return std::nullopt;
}

// docker's --health-* flags: a HealthConfig when any is given, ["NONE"]
// for --no-healthcheck, which conflicts with them; values are checked in
// docker's order (the daemon refuses durations under 1ms).
std::optional<FlagError> AddHealthcheck(const ContainerFlags& flags, ContainerSpec* spec) {
  struct Duration {
    const std::string& text;
    const char* name;
    int64_t nanos = 0;
  };
  Duration interval{flags.health_interval, "health-interval"};
  Duration timeout{flags.health_timeout, "health-timeout"};
  Duration start_period{flags.health_start_period, "health-start-period"};
  Duration start_interval{flags.health_start_interval, "health-start-interval"};
  for (Duration* d : {&interval, &timeout, &start_period, &start_interval}) {
    if (d->text.empty()) continue;
    auto parsed = ParseGoDuration(d->text);
    if (!parsed.ok()) return InvalidFlagValue(d->text, d->name, parsed.status());
    d->nanos = absl::ToInt64Nanoseconds(*parsed);
  }
  int64_t retries = 0;
  if (auto error = ParseIntFlag(flags.health_retries, "health-retries", 32, &retries)) return error;
  bool any = !flags.health_cmd.empty() || interval.nanos != 0 || timeout.nanos != 0 ||
             start_period.nanos != 0 || retries != 0 || start_interval.nanos != 0;
  if (flags.no_healthcheck) {
    if (any) return FlagError{"--no-healthcheck conflicts with --health-* options", false};
    spec->mutable_healthcheck()->add_test("NONE");
    return std::nullopt;
  }
  if (!any) return std::nullopt;
  for (const auto& [value, name] : {std::pair{interval.nanos, "--health-interval"},
                                    std::pair{timeout.nanos, "--health-timeout"},
                                    std::pair{retries, "--health-retries"},
                                    std::pair{start_period.nanos, "--health-start-period"},
                                    std::pair{start_interval.nanos, "--health-start-interval"}}) {
    if (value < 0) return FlagError{absl::StrCat(name, " cannot be negative"), false};
  }
  auto* check = spec->mutable_healthcheck();
  if (!flags.health_cmd.empty()) {
    check->add_test("CMD-SHELL");
    check->add_test(flags.health_cmd);
  }
  check->set_interval_ns(interval.nanos);
  check->set_timeout_ns(timeout.nanos);
  check->set_start_period_ns(start_period.nanos);
  check->set_start_interval_ns(start_interval.nanos);
  check->set_retries(static_cast<int32_t>(retries));
  return std::nullopt;
}

}  // namespace

SpecSources SystemSpecSources() {
  SpecSources sources;
  sources.lookup_env = [](const std::string& name) -> std::optional<std::string> {
    const char* value = std::getenv(name.c_str());
    if (value == nullptr) return std::nullopt;
    return std::string(value);
  };
  sources.read_file = [](const std::string& path) -> absl::StatusOr<std::string> {
    std::ifstream in(path, std::ios::binary);
    if (!in) {
      std::string reason = std::strerror(errno);
      if (!reason.empty()) reason[0] = absl::ascii_tolower(static_cast<unsigned char>(reason[0]));
      return absl::NotFoundError(absl::StrCat("open ", path, ": ", reason));
    }
    std::stringstream content;
    content << in.rdbuf();
    return content.str();
  };
  return sources;
}

std::optional<FlagError> BuildResources(const ResourceFlags& flags,
                                        berth::tasks::v1::Resources* resources) {
  auto bytes = [](const std::string& value, const char* name, bool swap,
                  int64_t* out) -> std::optional<FlagError> {
    if (value.empty()) return std::nullopt;
    auto parsed = swap ? ParseMemorySwap(value) : ParseMemoryBytes(value);
    if (!parsed.ok()) return InvalidFlagValue(value, name, parsed.status());
    *out = *parsed;
    return std::nullopt;
  };
  int64_t value = 0;
  if (auto error = bytes(flags.memory, "memory", false, &value)) return error;
  resources->set_memory_bytes(value);
  value = 0;
  if (auto error = bytes(flags.memory_swap, "memory-swap", true, &value)) return error;
  resources->set_memory_swap_bytes(value);
  value = 0;
  if (auto error = bytes(flags.memory_reservation, "memory-reservation", false, &value)) return error;
  resources->set_memory_reservation_bytes(value);
  if (!flags.cpus.empty()) {
    auto nanos = ParseNanoCpus(flags.cpus);
    if (!nanos.ok()) return InvalidFlagValue(flags.cpus, "cpus", nanos.status());
    if (*nanos != 0) {
      // --cpus as a CFS quota over docker's default 100ms period.
      resources->set_cpu_quota_us(*nanos / 10000);
      resources->set_cpu_period_us(100000);
    }
  }
  value = 0;
  if (auto error = ParseIntFlag(flags.cpu_shares, "cpu-shares", 64, &value)) return error;
  if (value < 0) {
    return InvalidFlagValue(flags.cpu_shares, "cpu-shares",
                           absl::InvalidArgumentError("CPU shares must be a positive number"));
  }
  resources->set_cpu_shares(static_cast<uint64_t>(value));
  resources->set_cpuset_cpus(flags.cpuset_cpus);
  resources->set_cpuset_mems(flags.cpuset_mems);
  value = 0;
  if (auto error = ParseIntFlag(flags.pids_limit, "pids-limit", 64, &value)) return error;
  resources->set_pids_limit(value);
  if (!flags.blkio_weight.empty()) {
    auto weight = ParseGoUint(flags.blkio_weight, 16);
    if (!weight.ok()) return InvalidFlagValue(flags.blkio_weight, "blkio-weight", weight.status());
    resources->set_blkio_weight(static_cast<uint32_t>(*weight));
  }
  return std::nullopt;
}

std::optional<FlagError> BuildContainerSpec(const ContainerFlags& flags, const SpecSources& sources,
                                            ContainerSpec* spec) {
  if (!flags.args.empty()) {
    spec->set_image(flags.args[0]);
    for (size_t i = 1; i < flags.args.size(); ++i) spec->add_cmd(flags.args[i]);
  }
  // --entrypoint "" clears the image's entrypoint: one empty string says so.
  if (flags.Changed("entrypoint")) spec->add_entrypoint(flags.entrypoint);
  if (auto error = AddEnvironment(flags, sources, spec)) return error;
  spec->set_working_dir(flags.workdir);
  spec->set_user(flags.user);
  spec->set_hostname(flags.hostname);
  spec->set_domainname(flags.domainname);
  spec->set_tty(flags.tty);
  spec->set_open_stdin(flags.interactive);
  spec->set_stdin_once(flags.interactive && !flags.detach);
  spec->set_stop_signal(flags.stop_signal);
  int64_t stop_timeout = 0;
  if (auto error = ParseIntFlag(flags.stop_timeout, "stop-timeout", 32, &stop_timeout)) return error;
  spec->set_stop_timeout(static_cast<int32_t>(stop_timeout));

  ResourceFlags resources{flags.memory,      flags.memory_swap, flags.memory_reservation,
                          flags.cpus,        flags.cpu_shares,  flags.cpuset_cpus,
                          flags.cpuset_mems, flags.pids_limit,  flags.blkio_weight};
  if (auto error = BuildResources(resources, spec->mutable_resources())) return error;
  spec->mutable_resources()->set_oom_kill_disable(flags.oom_kill_disable);
  if (auto error = AddSecurity(flags, spec)) return error;
  if (auto error = AddMounts(flags, spec)) return error;
  if (auto error = AddNetworking(flags, spec)) return error;

  if (auto error = AddHealthcheck(flags, spec)) return error;
  spec->set_init(flags.init);
  auto restart = ParseRestartPolicy(flags.restart);
  if (!restart.ok()) return Plain(restart.status());
  if (!flags.restart.empty()) *spec->mutable_restart_policy() = *restart;
  if (flags.rm && !restart->name().empty() && restart->name() != "no") {
    return FlagError{"conflicting options: cannot specify both --restart and --rm", false};
  }
  spec->set_auto_remove(flags.rm);
  if (!flags.platform.empty()) {
    auto platform = ParsePlatform(flags.platform);
    if (!platform.ok()) return Plain(platform.status(), "error parsing specified platform: ");
    *spec->mutable_platform() = *platform;
  }
  spec->set_log_driver(flags.log_driver);
  for (const std::string& item : flags.log_opts) {
    size_t eq = item.find('=');
    (*spec->mutable_log_options())[item.substr(0, eq)] =
        eq == std::string::npos ? "" : item.substr(eq + 1);
  }
  if (flags.pull != "missing" && flags.pull != "always" && flags.pull != "never") {
    return FlagError{absl::StrCat("invalid pull option: '", flags.pull,
                                  "': must be one of \"always\", \"missing\" or \"never\""),
                     false};
  }
  return std::nullopt;
}

}  // namespace berth::cli
