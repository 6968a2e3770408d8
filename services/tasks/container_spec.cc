#include "services/tasks/container_spec.h"

#include <sched.h>
#include <signal.h>
#include <unistd.h>
#include <sys/resource.h>

#include <fstream>
#include <map>
#include <set>
#include <sstream>

#include "absl/strings/ascii.h"
#include "absl/strings/match.h"
#include "absl/strings/numbers.h"
#include "absl/strings/str_cat.h"
#include "services/common/fs/fs_util.h"
#include "services/tasks/health.h"
#include "services/tasks/namespace_modes.h"
#include "absl/strings/str_split.h"
#include "absl/strings/strip.h"
#include "nlohmann/json.hpp"
#include "services/tasks/container_devices.h"
#include "services/tasks/container_sysctls.h"
#include "shim/cgroup/systemd_unit.h"
#include "shim/logging/log_driver.h"

namespace berth::tasks {
namespace {

constexpr const char* kDefaultPath =
    "PATH=/usr/local/sbin:/usr/local/bin:/usr/sbin:/usr/bin:/sbin:/bin";

const std::map<std::string, int>& SignalNames() {
  static const auto* names = new std::map<std::string, int>{
      {"HUP", SIGHUP},     {"INT", SIGINT},     {"QUIT", SIGQUIT},   {"ILL", SIGILL},
      {"TRAP", SIGTRAP},   {"ABRT", SIGABRT},   {"IOT", SIGIOT},     {"BUS", SIGBUS},
      {"FPE", SIGFPE},     {"KILL", SIGKILL},   {"USR1", SIGUSR1},   {"SEGV", SIGSEGV},
      {"USR2", SIGUSR2},   {"PIPE", SIGPIPE},   {"ALRM", SIGALRM},   {"TERM", SIGTERM},
      {"STKFLT", SIGSTKFLT}, {"CHLD", SIGCHLD}, {"CONT", SIGCONT},   {"STOP", SIGSTOP},
      {"TSTP", SIGTSTP},   {"TTIN", SIGTTIN},   {"TTOU", SIGTTOU},   {"URG", SIGURG},
      {"XCPU", SIGXCPU},   {"XFSZ", SIGXFSZ},   {"VTALRM", SIGVTALRM}, {"PROF", SIGPROF},
      {"WINCH", SIGWINCH}, {"IO", SIGIO},       {"PWR", SIGPWR},     {"SYS", SIGSYS}};
  return *names;
}

std::vector<std::string> JsonStrings(const nlohmann::json& value) {
  std::vector<std::string> out;
  if (!value.is_array()) return out;
  for (const auto& item : value) {
    if (item.is_string()) out.push_back(item.get<std::string>());
  }
  return out;
}

std::string EnvKey(const std::string& entry) { return entry.substr(0, entry.find('=')); }

const std::map<std::string, int>& RlimitNames() {
  static const auto* names = new std::map<std::string, int>{
      {"core", RLIMIT_CORE},     {"cpu", RLIMIT_CPU},         {"data", RLIMIT_DATA},
      {"fsize", RLIMIT_FSIZE},   {"locks", RLIMIT_LOCKS},     {"memlock", RLIMIT_MEMLOCK},
      {"msgqueue", RLIMIT_MSGQUEUE}, {"nice", RLIMIT_NICE},   {"nofile", RLIMIT_NOFILE},
      {"nproc", RLIMIT_NPROC},   {"rss", RLIMIT_RSS},         {"rtprio", RLIMIT_RTPRIO},
      {"rttime", RLIMIT_RTTIME}, {"sigpending", RLIMIT_SIGPENDING}, {"stack", RLIMIT_STACK}};
  return *names;
}

}  // namespace

absl::StatusOr<int> ParseSignal(const std::string& signal) {
  std::string name = absl::AsciiStrToUpper(signal);
  int number = 0;
  if (absl::SimpleAtoi(name, &number)) {
    if (number <= 0 || number > SIGRTMAX) {
      return absl::InvalidArgumentError(absl::StrCat("Invalid signal: ", signal));
    }
    return number;
  }
  absl::string_view stripped = name;
  absl::ConsumePrefix(&stripped, "SIG");
  auto it = SignalNames().find(std::string(stripped));
  if (it == SignalNames().end()) {
    return absl::InvalidArgumentError(absl::StrCat("Invalid signal: ", signal));
  }
  return it->second;
}

int64_t ParseLogSize(const std::string& text) {
  if (text.empty()) return -1;
  int64_t multiplier = 1;
  std::string number = text;
  switch (std::tolower(static_cast<unsigned char>(text.back()))) {
    case 'k': multiplier = 1024; number.pop_back(); break;
    case 'm': multiplier = 1024 * 1024; number.pop_back(); break;
    case 'g': multiplier = 1024LL * 1024 * 1024; number.pop_back(); break;
    default: break;
  }
  int64_t value = 0;
  return absl::SimpleAtoi(number, &value) && value >= 0 ? value * multiplier : -1;
}

int64_t CriMaxLineSize(const v1::ContainerSpec& spec) {
  auto it = spec.log_options().find("max-line-size");
  if (it == spec.log_options().end()) return logging::kDefaultCriMaxLineSize;
  if (it->second == "-1") return -1;
  int64_t size = ParseLogSize(it->second);
  return size > 0 ? size : 0;
}

LogLimits ContainerLogLimits(const v1::ContainerSpec& spec, const LogLimits& daemon) {
  LogLimits limits = daemon;
  const auto& options = spec.log_options();
  if (auto it = options.find("max-size"); it != options.end() && ParseLogSize(it->second) >= 0) {
    limits.max_size = ParseLogSize(it->second);
  }
  int files = 0;
  if (auto it = options.find("max-file"); it != options.end() && absl::SimpleAtoi(it->second, &files) &&
                                          files >= 1) {
    limits.max_files = files;
  }
  return limits;
}

namespace {

// --log-opt of the cri driver: the file the kubelet reads (absolute, as
// PodSandboxConfig.log_directory + ContainerConfig.log_path) and the line
// limit (containerd's max_container_log_line_size: -1 for none).
absl::Status ValidateCriLogOptions(const v1::ContainerSpec& spec) {
  for (const auto& [key, value] : spec.log_options()) {
    if (key != "path" && key != "max-line-size") {
      return absl::InvalidArgumentError(absl::StrCat("unknown log opt '", key, "' for cri log driver"));
    }
    if (key == "max-line-size" && CriMaxLineSize(spec) == 0) {
      return absl::InvalidArgumentError(absl::StrCat("invalid max-line-size: '", value, "'"));
    }
  }
  auto path = spec.log_options().find("path");
  if (path == spec.log_options().end() || path->second.empty()) {
    return absl::InvalidArgumentError("log opt 'path' is required for cri log driver");
  }
  if (path->second.front() != '/') {
    return absl::InvalidArgumentError(
        absl::StrCat("log opt 'path' must be an absolute path: '", path->second, "'"));
  }
  return absl::OkStatus();
}

// --log-opt as docker's json-file driver checks them at create.
absl::Status ValidateLogOptions(const v1::ContainerSpec& spec) {
  if (absl::Status status = logging::CheckLogDriver(spec.log_driver()); !status.ok()) return status;
  // docker checks no options for none: it keeps nothing to rotate.
  if (spec.log_driver() == logging::kNoneDriver) return absl::OkStatus();
  if (spec.log_driver() == logging::kCriDriver) return ValidateCriLogOptions(spec);
  static const char* kKnown[] = {"max-size", "max-file", "compress", "labels", "labels-regex",
                                 "env", "env-regex", "tag", "mode", "max-buffer-size"};
  for (const auto& [key, value] : spec.log_options()) {
    if (std::find(std::begin(kKnown), std::end(kKnown), key) == std::end(kKnown)) {
      return absl::InvalidArgumentError(
          absl::StrCat("unknown log opt '", key, "' for json-file log driver"));
    }
    if (key == "max-size" && ParseLogSize(value) < 0) {
      return absl::InvalidArgumentError(absl::StrCat("invalid size: '", value, "'"));
    }
    int files = 0;
    if (key == "max-file" && (!absl::SimpleAtoi(value, &files) || files < 1)) {
      return absl::InvalidArgumentError("max-file cannot be less than 1");
    }
  }
  return absl::OkStatus();
}

}  // namespace

std::string EffectiveLogDriver(const v1::ContainerSpec& spec) {
  return spec.log_driver().empty() ? logging::kJsonFileDriver : spec.log_driver();
}

int HostCpuCount() {
  // As Go's runtime.NumCPU, which dockerd checks against: the CPUs this
  // process may run on.
  cpu_set_t set;
  if (::sched_getaffinity(0, sizeof(set), &set) == 0) return CPU_COUNT(&set);
  return static_cast<int>(std::max(1L, ::sysconf(_SC_NPROCESSORS_ONLN)));
}

absl::Status CheckCpus(const v1::Resources& resources, int host_cpus) {
  // --cpus is a quota over a period: more than every CPU of the host
  // cannot be had.
  if (resources.cpu_period_us() == 0 || resources.cpu_quota_us() <= 0) return absl::OkStatus();
  if (resources.cpu_quota_us() > static_cast<int64_t>(resources.cpu_period_us()) * host_cpus) {
    return absl::InvalidArgumentError(absl::StrCat("Range of CPUs is from 0.01 to ", host_cpus,
                                                   ".00, as there are only ", host_cpus,
                                                   " CPUs available"));
  }
  return absl::OkStatus();
}

absl::Status CheckImagePlatform(const std::string& reference, const berth::types::v1::Platform& wanted,
                                const berth::types::v1::Platform& actual) {
  if (wanted.os().empty() && wanted.architecture().empty()) return absl::OkStatus();
  // An image that does not say is taken as it is.
  if (actual.os().empty() && actual.architecture().empty()) return absl::OkStatus();
  auto format = [](const berth::types::v1::Platform& p) {
    std::string text = absl::StrCat(p.os(), "/", p.architecture());
    if (!p.variant().empty()) absl::StrAppend(&text, "/", p.variant());
    return text;
  };
  bool match = (wanted.os().empty() || wanted.os() == actual.os()) &&
               (wanted.architecture().empty() || wanted.architecture() == actual.architecture()) &&
               (wanted.variant().empty() || actual.variant().empty() ||
                wanted.variant() == actual.variant());
  if (match) return absl::OkStatus();
  return absl::FailedPreconditionError(absl::StrCat(
      "image with reference ", reference,
      " was found but does not match the specified platform: wanted ", format(wanted),
      ", actual: ", format(actual)));
}

absl::Status ValidateRestartPolicy(const v1::ContainerSpec& spec) {
  const auto& restart = spec.restart_policy();
  static const char* kPolicies[] = {"", "no", "on-failure", "always", "unless-stopped"};
  if (std::find(std::begin(kPolicies), std::end(kPolicies), restart.name()) == std::end(kPolicies)) {
    return absl::InvalidArgumentError(absl::StrCat("invalid restart policy '", restart.name(), "'"));
  }
  if (restart.maximum_retry_count() != 0 && restart.name() != "on-failure") {
    return absl::InvalidArgumentError(
        absl::StrCat("invalid restart policy: maximum retry count can only be used with 'on-failure'"));
  }
  if (spec.auto_remove() && !restart.name().empty() && restart.name() != "no") {
    return absl::InvalidArgumentError(
        "conflicting options: cannot specify both --restart and --rm");
  }
  return absl::OkStatus();
}

absl::Status ValidateResources(const v1::Resources& r) {
  if (r.memory_bytes() != 0 && r.memory_bytes() < 6 * 1024 * 1024) {
    return absl::InvalidArgumentError("Minimum memory limit allowed is 6MB");
  }
  if (r.memory_swap_bytes() > 0 && r.memory_swap_bytes() < r.memory_bytes()) {
    return absl::InvalidArgumentError(
        "Minimum memoryswap limit should be larger than memory limit, see usage");
  }
  if (r.memory_swap_bytes() > 0 && r.memory_bytes() == 0) {
    return absl::InvalidArgumentError(
        "You should always set the Memory limit when using Memoryswap limit, see usage");
  }
  if (r.cpu_quota_us() != 0 && r.cpu_quota_us() < 1000) {
    return absl::InvalidArgumentError("CPU cfs quota can not be less than 1ms (i.e. 1000)");
  }
  if (absl::Status status = CheckCpus(r, HostCpuCount()); !status.ok()) return status;
  if (r.blkio_weight() != 0 && (r.blkio_weight() < 10 || r.blkio_weight() > 1000)) {
    return absl::InvalidArgumentError("Range of blkio weight is from 10 to 1000");
  }
  return absl::OkStatus();
}

absl::Status ValidateSpec(const v1::ContainerSpec& spec) {
  if (absl::Status status = ValidateLogOptions(spec); !status.ok()) return status;
  if (absl::Status status = ValidateDevices(spec); !status.ok()) return status;
  if (absl::Status status = ValidateSysctls(spec); !status.ok()) return status;
  if (absl::Status status = ValidateRestartPolicy(spec); !status.ok()) return status;
  if (absl::Status status = ValidateResources(spec.resources()); !status.ok()) return status;
  for (const auto& ulimit : spec.ulimits()) {
    if (RlimitNames().count(ulimit.name()) == 0) {
      return absl::InvalidArgumentError(absl::StrCat("invalid ulimit type: ", ulimit.name()));
    }
    if (ulimit.soft() > ulimit.hard()) {
      return absl::InvalidArgumentError(absl::StrCat(
          "ulimit soft limit must be less than or equal to hard limit: ", ulimit.soft(), " > ",
          ulimit.hard()));
    }
  }
  if (!spec.stop_signal().empty()) {
    if (auto signal = ParseSignal(spec.stop_signal()); !signal.ok()) return signal.status();
  }
  for (const std::string& option : spec.security_opt()) {
    if (option == "no-new-privileges" || option == "no-new-privileges=true" ||
        option == "no-new-privileges:true" || option == "seccomp=unconfined" ||
        option == "seccomp:unconfined" || option == "no-new-privileges=false" ||
        absl::StartsWith(option, "label=") || absl::StartsWith(option, "apparmor=")) {
      continue;
    }
    if (absl::StartsWith(option, "seccomp=") || absl::StartsWith(option, "seccomp:")) {
      // The CLI sends the profile's content, as docker's does.
      auto profile = nlohmann::json::parse(option.substr(8), nullptr, false);
      if (profile.is_discarded() || !profile.is_object()) {
        return absl::InvalidArgumentError(
            "Decoding seccomp profile failed: the profile is not a JSON object");
      }
      continue;
    }
    return absl::InvalidArgumentError(absl::StrCat("invalid --security-opt: \"", option, "\""));
  }
  if (absl::Status status = ValidateNamespaceModes(spec); !status.ok()) return status;
  if (spec.has_healthcheck()) {
    if (absl::Status status = ValidateHealthConfig(spec.healthcheck()); !status.ok()) return status;
  }
  const std::string& mode = spec.network_mode();
  if (absl::StartsWith(mode, "container:")) {
    if (mode.size() == 10) return absl::InvalidArgumentError("--network container: needs a container");
    if (spec.port_bindings_size() > 0 || spec.publish_all_ports()) {
      return absl::InvalidArgumentError(
          "conflicting options: port publishing and the container type network mode");
    }
    if (!spec.hostname().empty()) {
      return absl::InvalidArgumentError(
          "conflicting options: hostname and the network mode");
    }
  } else if (mode.find_first_of(" /") != std::string::npos) {
    return absl::InvalidArgumentError(absl::StrCat("invalid network name \"", mode, "\""));
  }
  return absl::OkStatus();
}

absl::StatusOr<v1::ContainerSpec> MergeImageConfig(const v1::ContainerSpec& spec,
                                                   const std::string& image_config_json,
                                                   const std::string& container_id) {
  v1::ContainerSpec merged = spec;
  nlohmann::json config = nlohmann::json::object();
  if (!image_config_json.empty()) {
    auto parsed = nlohmann::json::parse(image_config_json, nullptr, false);
    if (!parsed.is_discarded() && parsed.contains("config") && parsed["config"].is_object()) {
      config = parsed["config"];
    }
  }
  // Entrypoint: --entrypoint replaces the image's and drops its Cmd; one
  // empty string clears it.
  bool entrypoint_given = spec.entrypoint_size() > 0;
  if (entrypoint_given) {
    if (spec.entrypoint_size() == 1 && spec.entrypoint(0).empty()) merged.clear_entrypoint();
  } else {
    for (const auto& item : JsonStrings(config.value("Entrypoint", nlohmann::json()))) {
      merged.add_entrypoint(item);
    }
  }
  if (spec.cmd_size() == 0 && !entrypoint_given) {
    for (const auto& item : JsonStrings(config.value("Cmd", nlohmann::json()))) merged.add_cmd(item);
  }
  if (merged.entrypoint_size() == 0 && merged.cmd_size() == 0) {
    return absl::InvalidArgumentError("No command specified");
  }
  // Env: the image's, then the user's by key.
  std::vector<std::string> env = JsonStrings(config.value("Env", nlohmann::json()));
  for (const std::string& entry : spec.env()) {
    std::string key = EnvKey(entry);
    if (entry.find('=') == std::string::npos) continue;  // unset on the CLI side
    auto it = std::find_if(env.begin(), env.end(),
                           [&](const std::string& e) { return EnvKey(e) == key; });
    if (it != env.end()) {
      *it = entry;
    } else {
      env.push_back(entry);
    }
  }
  if (std::none_of(env.begin(), env.end(), [](const std::string& e) { return EnvKey(e) == "PATH"; })) {
    env.insert(env.begin(), kDefaultPath);
  }
  if (merged.hostname().empty() && merged.uts_mode() == "host") {
    // The host's name is the container's: /etc/hostname and HOSTNAME say so.
    char host[256] = {};
    if (::gethostname(host, sizeof(host) - 1) == 0) merged.set_hostname(host);
  }
  if (merged.hostname().empty()) merged.set_hostname(container_id.substr(0, 12));
  env.insert(env.begin() + 1, "HOSTNAME=" + merged.hostname());
  if (spec.tty()) env.push_back("TERM=xterm");
  merged.clear_env();
  for (const std::string& entry : env) merged.add_env(entry);
  if (merged.working_dir().empty()) merged.set_working_dir(config.value("WorkingDir", std::string()));
  if (merged.user().empty()) merged.set_user(config.value("User", std::string()));
  if (merged.stop_signal().empty()) merged.set_stop_signal(config.value("StopSignal", std::string()));
  if (config.contains("Labels") && config["Labels"].is_object()) {
    for (const auto& [key, value] : config["Labels"].items()) {
      if (value.is_string() && merged.labels().count(key) == 0) {
        (*merged.mutable_labels())[key] = value.get<std::string>();
      }
    }
  }
  if (merged.exposed_ports_size() == 0 && config.contains("ExposedPorts") &&
      config["ExposedPorts"].is_object()) {
    for (const auto& [port, unused] : config["ExposedPorts"].items()) merged.add_exposed_ports(port);
  }
  MergeHealthConfig(config, &merged);
  if (merged.network_mode().empty()) merged.set_network_mode("bridge");
  if (merged.restart_policy().name().empty()) merged.mutable_restart_policy()->set_name("no");
  return merged;
}

bool WantsHostGateway(const v1::ContainerSpec& spec) {
  for (const std::string& extra : spec.extra_hosts()) {
    if (absl::EndsWith(extra, std::string(":") + kHostGateway)) return true;
  }
  return false;
}

HostFiles MakeHostFiles(const v1::ContainerSpec& spec, const std::string& host_gateway) {
  HostFiles files;
  files.hostname = spec.hostname() + "\n";
  if (spec.network_mode() == "host") {
    files.hosts = fs::ReadFileOrEmpty("/etc/hosts");
  } else {
    files.hosts =
        "127.0.0.1\tlocalhost\n::1\tlocalhost ip6-localhost ip6-loopback\n"
        "fe00::0\tip6-localnet\nff00::0\tip6-mcastprefix\nff02::1\tip6-allnodes\n"
        "ff02::2\tip6-allrouters\n";
  }
  for (const std::string& extra : spec.extra_hosts()) {
    // host:ip as docker's --add-host.
    size_t colon = extra.find(':');
    if (colon == std::string::npos) continue;
    std::string address = extra.substr(colon + 1);
    if (address == kHostGateway) {
      if (host_gateway.empty()) continue;  // refused at create; no word for an address
      address = host_gateway;
    }
    absl::StrAppend(&files.hosts, address, "\t", extra.substr(0, colon), "\n");
  }
  // The host's resolv.conf without loopback nameservers (unreachable from
  // another network namespace), or --dns.
  std::vector<std::string> nameservers(spec.dns().begin(), spec.dns().end());
  std::vector<std::string> other;
  for (absl::string_view line : absl::StrSplit(fs::ReadFileOrEmpty("/etc/resolv.conf"), '\n')) {
    absl::string_view trimmed = absl::StripAsciiWhitespace(line);
    if (absl::ConsumePrefix(&trimmed, "nameserver")) {
      std::string server(absl::StripAsciiWhitespace(trimmed));
      bool loopback = absl::StartsWith(server, "127.") || server == "::1";
      if (spec.dns_size() == 0 && (spec.network_mode() == "host" || !loopback)) {
        nameservers.push_back(server);
      }
    } else if (!trimmed.empty() && !absl::StartsWith(trimmed, "#")) {
      if (spec.dns_search_size() > 0 && (absl::StartsWith(trimmed, "search") ||
                                          absl::StartsWith(trimmed, "domain"))) {
        continue;
      }
      other.emplace_back(trimmed);
    }
  }
  if (nameservers.empty()) nameservers = {"8.8.8.8", "8.8.4.4"};
  for (const std::string& server : nameservers) absl::StrAppend(&files.resolv_conf, "nameserver ", server, "\n");
  if (spec.dns_search_size() > 0) {
    absl::StrAppend(&files.resolv_conf, "search");
    for (const std::string& domain : spec.dns_search()) absl::StrAppend(&files.resolv_conf, " ", domain);
    absl::StrAppend(&files.resolv_conf, "\n");
  }
  for (const std::string& line : other) absl::StrAppend(&files.resolv_conf, line, "\n");
  if (spec.dns_options_size() > 0) {
    absl::StrAppend(&files.resolv_conf, "options");
    for (const std::string& option : spec.dns_options()) absl::StrAppend(&files.resolv_conf, " ", option);
    absl::StrAppend(&files.resolv_conf, "\n");
  }
  return files;
}

berth::shim::v1::Resources ShimResources(const v1::Resources& r) {
  berth::shim::v1::Resources resources;
  resources.set_memory_bytes(r.memory_bytes());
  int64_t swap = r.memory_swap_bytes();
  if (swap == 0 && r.memory_bytes() > 0) swap = 2 * r.memory_bytes();
  resources.set_memory_swap_bytes(swap);
  resources.set_cpu_quota_us(r.cpu_quota_us());
  resources.set_cpu_period_us(r.cpu_period_us());
  resources.set_cpu_shares(r.cpu_shares());
  resources.set_cpuset_cpus(r.cpuset_cpus());
  resources.set_pids_limit(r.pids_limit());
  resources.set_blkio_weight(r.blkio_weight());
  return resources;
}

void AddDefaultUlimits(const std::map<std::string, config::Ulimit>& defaults,
                       v1::ContainerSpec* spec) {
  std::set<std::string> own;
  for (const auto& ulimit : spec->ulimits()) own.insert(ulimit.name());
  for (const auto& [name, limit] : defaults) {
    if (own.count(name) > 0) continue;
    auto* ulimit = spec->add_ulimits();
    ulimit->set_name(name);
    ulimit->set_soft(limit.soft);
    ulimit->set_hard(limit.hard);
  }
}

void SetProcessSecurity(const v1::ContainerSpec& spec, berth::shim::v1::Process* process) {
  *process->mutable_cap_add() = spec.cap_add();
  *process->mutable_cap_drop() = spec.cap_drop();
  for (const std::string& option : spec.security_opt()) {
    if (absl::StartsWith(option, "no-new-privileges") && !absl::EndsWith(option, "false")) {
      process->set_no_new_privileges(true);
    }
    if (option == "seccomp=unconfined" || option == "seccomp:unconfined") {
      process->set_seccomp_unconfined(true);
    } else if (absl::StartsWith(option, "seccomp=") || absl::StartsWith(option, "seccomp:")) {
      process->set_seccomp_profile(option.substr(8));
    }
  }
  for (const auto& ulimit : spec.ulimits()) {
    auto* rlimit = process->add_rlimits();
    rlimit->set_resource(RlimitNames().at(ulimit.name()));
    rlimit->set_soft(static_cast<uint64_t>(ulimit.soft()));
    rlimit->set_hard(static_cast<uint64_t>(ulimit.hard()));
  }
}

absl::Status CheckCgroupParent(const v1::ContainerSpec& spec, const std::string& cgroup_driver) {
  if (cgroup_driver != "systemd" || spec.cgroup_parent().empty()) return absl::OkStatus();
  return cgroup::SlicePath(spec.cgroup_parent()).status();
}

absl::StatusOr<bool> UsesRemappedUserNamespace(const v1::ContainerSpec& spec, bool daemon_remaps) {
  if (!spec.userns_mode().empty() && spec.userns_mode() != "host") {
    return absl::InvalidArgumentError(
        absl::StrCat("invalid USER mode: ", spec.userns_mode()));
  }
  if (!daemon_remaps || spec.userns_mode() == "host") return false;
  if (spec.privileged()) {
    return absl::InvalidArgumentError(
        "privileged mode is incompatible with user namespaces.  You must run the container in "
        "the host namespace when running privileged mode");
  }
  if (spec.network_mode() == "host") {
    return absl::InvalidArgumentError(
        "cannot share the host's network namespace when user namespaces are enabled");
  }
  if (spec.pid_mode() == "host") {
    return absl::InvalidArgumentError("cannot share the host PID namespace when user namespaces are enabled");
  }
  // Its own user namespace could not mount /proc for another's PID
  // namespace (IPC and UTS are joined: see the shim's Spawn).
  if (!ModeContainer(spec.pid_mode()).empty()) {
    return absl::InvalidArgumentError(
        "cannot share another container's PID namespace when user namespaces are enabled");
  }
  return true;
}

absl::StatusOr<berth::shim::v1::CreateRequest> BuildShimRequest(const v1::Container& container,
                                                                const ShimSettings& settings) {
  const v1::ContainerSpec& spec = container.spec();
  auto remapped = UsesRemappedUserNamespace(spec, !settings.uid_map.empty());
  if (!remapped.ok()) return remapped.status();
  berth::shim::v1::CreateRequest create;
  if (*remapped) {
    for (const auto& range : settings.uid_map) *create.add_uid_mappings() = range;
    for (const auto& range : settings.gid_map) *create.add_gid_mappings() = range;
  }
  create.set_id(container.id());
  create.set_bundle(settings.bundle);
  for (const auto& mount : container.rootfs()) {
    auto* rootfs = create.add_rootfs();
    rootfs->set_type(mount.type());
    rootfs->set_source(mount.source());
    rootfs->set_target(mount.target());
    *rootfs->mutable_options() = mount.options();
  }
  // berth's own files and volumes are idmapped into a remapped container
  // (stored as root, its root's); a host path keeps the host's owners.
  auto bind = [&create, remapped = *remapped](const std::string& source, const std::string& target,
                                              bool read_only, bool berths_own,
                                              const std::string& propagation = "") {
    auto* mount = create.add_mounts();
    mount->set_type("bind");
    mount->set_source(source);
    mount->set_target(target);
    mount->add_options(read_only ? "ro" : "rw");
    if (remapped && berths_own) mount->add_options("idmap");
    // The shim makes every mount private unless told (and checks the
    // host's mount can propagate).
    if (!propagation.empty() && propagation != "rprivate") mount->add_options(propagation);
  };
  // The init files live beside the container's record, not in its layer.
  bind(container.hostname_path(), "/etc/hostname", false, true);
  bind(container.hosts_path(), "/etc/hosts", false, true);
  bind(container.resolv_conf_path(), "/etc/resolv.conf", false, true);
  // Written by whoever shares the IPC namespace: the host's owners kept.
  if (!settings.shm_source.empty()) bind(settings.shm_source, "/dev/shm", false, false);
  for (const auto& mount : spec.mounts()) {
    if (mount.type() == "tmpfs") {
      auto* tmpfs = create.add_mounts();
      tmpfs->set_type("tmpfs");
      tmpfs->set_target(mount.destination());
      if (mount.tmpfs_size_bytes() > 0) tmpfs->add_options(absl::StrCat("size=", mount.tmpfs_size_bytes()));
      for (const std::string& option : mount.options()) tmpfs->add_options(option);
      if (mount.read_only()) tmpfs->add_options("ro");
      continue;
    }
    if (mount.resolved_source().empty()) {
      return absl::FailedPreconditionError(
          absl::StrCat("mount ", mount.destination(), ": source not resolved"));
    }
    bind(mount.resolved_source(), mount.destination(), mount.read_only(), mount.type() == "volume",
         mount.propagation());
  }
  auto* process = create.mutable_process();
  for (const std::string& arg : spec.entrypoint()) process->add_args(arg);
  for (const std::string& arg : spec.cmd()) process->add_args(arg);
  *process->mutable_env() = spec.env();
  process->set_cwd(spec.working_dir().empty() ? "/" : spec.working_dir());
  process->set_user(spec.user());
  *process->mutable_additional_groups() = spec.group_add();
  process->set_stdin(spec.open_stdin());
  process->set_oom_score_adj(spec.oom_score_adj());
  process->set_terminal(spec.tty());
  SetProcessSecurity(spec, process);
  create.set_hostname(spec.hostname());
  create.set_read_only_rootfs(spec.read_only_rootfs());
  create.set_host_network(spec.network_mode() == "host");
  create.set_network_of_another(absl::StartsWith(spec.network_mode(), "container:"));
  if (!settings.netns_path.empty()) (*create.mutable_join_namespaces())["net"] = settings.netns_path;
  for (const auto& [type, path] : settings.join_namespaces) (*create.mutable_join_namespaces())[type] = path;
  create.set_privileged(spec.privileged());
  create.set_init(spec.init());
  std::string parent = spec.cgroup_parent().empty() ? settings.cgroup_parent : spec.cgroup_parent();
  if (settings.cgroup_driver == "systemd") {
    // systemd decides where the scope's cgroup is: in its slice's.
    auto slice_path = cgroup::SlicePath(parent);
    if (!slice_path.ok()) return slice_path.status();
    std::string unit = cgroup::ScopeUnitName(container.id());
    create.mutable_cgroup()->set_path(slice_path->empty() ? unit : absl::StrCat(*slice_path, "/", unit));
    create.mutable_cgroup()->set_driver("systemd");
    create.mutable_cgroup()->set_unit(unit);
    create.mutable_cgroup()->set_slice(parent);
  } else {
    create.mutable_cgroup()->set_path(absl::StrCat(
        absl::StripSuffix(absl::StripPrefix(parent, "/"), "/"), "/", container.id()));
    create.mutable_cgroup()->set_driver("cgroupfs");
  }
  *create.mutable_resources() = ShimResources(spec.resources());
  if (absl::Status status = AddDevices(spec, &create); !status.ok()) return status;
  // Docker's lists, unless the spec gives its own (a pod's security
  // context); a privileged container has none.
  if (!spec.privileged()) {
    if (!spec.masked_paths().empty()) {
      *create.mutable_masked_paths() = spec.masked_paths();
    } else {
      for (const char* path : {"/proc/asound", "/proc/acpi", "/proc/kcore", "/proc/keys",
                               "/proc/latency_stats", "/proc/timer_list", "/proc/timer_stats",
                               "/proc/sched_debug", "/proc/scsi", "/sys/firmware",
                               "/sys/devices/virtual/powercap"}) {
        create.add_masked_paths(path);
      }
    }
    if (!spec.readonly_paths().empty()) {
      *create.mutable_readonly_paths() = spec.readonly_paths();
    } else {
      for (const char* path : {"/proc/bus", "/proc/fs", "/proc/irq", "/proc/sys", "/proc/sysrq-trigger"}) {
        create.add_readonly_paths(path);
      }
    }
  }
  create.mutable_sysctls()->insert(spec.sysctls().begin(), spec.sysctls().end());
  create.set_log_driver(EffectiveLogDriver(spec));
  create.set_log_path(container.log_path());
  if (spec.log_driver() == logging::kCriDriver) create.set_log_max_line_size(CriMaxLineSize(spec));
  create.set_log_max_size(settings.log_max_size);
  create.set_log_max_files(settings.log_max_files);
  return create;
}

}  // namespace berth::tasks
