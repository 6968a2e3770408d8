#include "cli/commands/container_json.h"

#include <set>

#include "absl/strings/match.h"
#include "absl/strings/str_cat.h"
#include "absl/strings/str_join.h"
#include "cli/commands/container_format.h"

namespace berth::cli {
namespace {

using berth::tasks::v1::Container;
using berth::tasks::v1::ContainerSpec;
using berth::tasks::v1::MountSpec;

std::vector<std::string> Strings(const nlohmann::json& value) {
  std::vector<std::string> out;
  if (!value.is_array()) return out;
  for (const auto& item : value) {
    if (item.is_string()) out.push_back(item.get<std::string>());
  }
  return out;
}

std::string StringField(const nlohmann::json& object, const char* key) {
  auto it = object.find(key);
  return it != object.end() && it->is_string() ? it->get<std::string>() : "";
}

nlohmann::json ArrayOrNull(const std::vector<std::string>& items) {
  return items.empty() ? nlohmann::json() : nlohmann::json(items);
}

template <typename Repeated>
nlohmann::json ArrayOrNull(const Repeated& items) {
  return ArrayOrNull(std::vector<std::string>(items.begin(), items.end()));
}

template <typename Map>
nlohmann::json MapJson(const Map& map) {
  nlohmann::json out = nlohmann::json::object();
  for (const auto& [key, value] : map) out[key] = value;
  return out;
}

// Merges KEY=VALUE lists: later entries replace earlier ones of the same key.
void MergeEnv(const std::vector<std::string>& more, std::vector<std::string>* env) {
  for (const std::string& item : more) {
    std::string key = item.substr(0, item.find('='));
    bool replaced = false;
    for (std::string& existing : *env) {
      if (existing.substr(0, existing.find('=')) == key) {
        existing = item;
        replaced = true;
        break;
      }
    }
    if (!replaced) env->push_back(item);
  }
}

nlohmann::json MountJson(const MountSpec& mount) {
  std::string source = mount.resolved_source().empty() ? mount.source() : mount.resolved_source();
  nlohmann::json json = {{"Type", mount.type()},
                         {"Source", mount.type() == "tmpfs" ? "" : source},
                         {"Destination", mount.destination()},
                         {"Mode", mount.mode()},
                         {"RW", !mount.read_only()},
                         {"Propagation", mount.propagation()}};
  if (mount.type() == "volume") {
    json["Name"] = mount.source();
    json["Driver"] = mount.driver().empty() ? "local" : mount.driver();
  }
  return json;
}

// docker's HostConfig.Mounts entry: the --mount flag as given (omitempty
// fields left out).
nlohmann::json HostConfigMountJson(const MountSpec& mount) {
  const auto& markers = mount.volume_options();
  nlohmann::json json = {{"Type", mount.type()}};
  if (!mount.source().empty() && markers.count("anonymous") == 0) json["Source"] = mount.source();
  json["Target"] = mount.destination();
  if (mount.read_only()) json["ReadOnly"] = true;
  if (mount.type() == "bind" && !mount.propagation().empty() &&
      mount.propagation() != "rprivate") {
    json["BindOptions"] = {{"Propagation", mount.propagation()}};
  }
  if (mount.type() == "volume") {
    nlohmann::json options = nlohmann::json::object();
    for (const auto& [key, value] : markers) {
      if (key != "anonymous" && key != "mount_flag") options[key] = value;
    }
    nlohmann::json volume = nlohmann::json::object();
    for (const std::string& option : mount.options()) {
      if (option == "nocopy") volume["NoCopy"] = true;
    }
    if (!options.empty()) volume["DriverConfig"] = {{"Options", options}};
    if (!volume.empty()) json["VolumeOptions"] = volume;
  }
  if (mount.type() == "tmpfs") {
    nlohmann::json tmpfs = nlohmann::json::object();
    if (mount.tmpfs_size_bytes() > 0) tmpfs["SizeBytes"] = mount.tmpfs_size_bytes();
    if (!tmpfs.empty()) json["TmpfsOptions"] = tmpfs;
  }
  return json;
}

nlohmann::json StateJson(const berth::tasks::v1::State& state) {
  auto status = state.status();
  nlohmann::json json = {
      {"Status", StateName(status)},
      {"Running", status == berth::tasks::v1::RUNNING || status == berth::tasks::v1::PAUSED ||
                      status == berth::tasks::v1::RESTARTING},
      {"Paused", status == berth::tasks::v1::PAUSED},
      {"Restarting", status == berth::tasks::v1::RESTARTING},
      {"OOMKilled", state.oom_killed()},
      {"Dead", status == berth::tasks::v1::DEAD},
      {"Pid", state.pid()},
      {"ExitCode", state.exit_code()},
      {"Error", state.error()},
      {"StartedAt", Rfc3339Nano(state.started_at())},
      {"FinishedAt", Rfc3339Nano(state.finished_at())}};
  if (!state.health().empty() && state.health() != "none") {
    nlohmann::json log = nlohmann::json::array();
    for (const auto& result : state.health_log()) {
      log.push_back({{"Start", Rfc3339Nano(result.start())},
                     {"End", Rfc3339Nano(result.end())},
                     {"ExitCode", result.exit_code()},
                     {"Output", result.output()}});
    }
    json["Health"] = {{"Status", state.health()},
                      {"FailingStreak", state.health_failing_streak()},
                      {"Log", log}};
  }
  return json;
}

nlohmann::json PortBindingsJson(const ContainerSpec& spec) {
  nlohmann::json out = nlohmann::json::object();
  for (const auto& binding : spec.port_bindings()) {
    std::string port = absl::StrCat(binding.container_port(), "/",
                                     binding.protocol().empty() ? "tcp" : binding.protocol());
    if (!out.contains(port)) out[port] = nlohmann::json::array();
    out[port].push_back({{"HostIp", binding.host_ip()},
                         {"HostPort", binding.host_port() == 0 ? "" : std::to_string(binding.host_port())}});
  }
  return out;
}

// docker's NetworkSettings: the address and published ports of a running
// container on the default bridge network.
nlohmann::json NetworkSettingsJson(const Container& container, bool running) {
  const auto& network = container.network_settings();
  nlohmann::json ports = nlohmann::json::object();
  for (const auto& binding : network.ports()) {
    std::string port = absl::StrCat(binding.container_port(), "/", binding.protocol());
    if (!ports.contains(port)) ports[port] = nlohmann::json::array();
    ports[port].push_back({{"HostIp", binding.host_ip().empty() ? "0.0.0.0" : binding.host_ip()},
                           {"HostPort", std::to_string(binding.host_port())}});
  }
  if (!running) ports = nlohmann::json::object();
  nlohmann::json networks = nlohmann::json::object();
  if (!network.network().empty()) {
    networks[network.network()] = {{"NetworkID", network.network_id()},
                                   {"EndpointID", network.endpoint_id()},
                                   {"Gateway", network.gateway()},
                                   {"IPAddress", network.ip_address()},
                                   {"IPPrefixLen", network.ip_prefix_len()},
                                   {"MacAddress", network.mac_address()},
                                   {"Aliases", nullptr},
                                   {"Links", nullptr}};
  }
  return {{"Bridge", ""},
          {"SandboxID", ""},
          {"SandboxKey", container.netns_path()},
          {"Ports", ports},
          {"Networks", networks},
          {"IPAddress", network.ip_address()},
          {"IPPrefixLen", network.ip_prefix_len()},
          {"Gateway", network.gateway()},
          {"MacAddress", network.mac_address()}};
}

// dockerd's HostConfig.Links: "/NAME:/PARENT/ALIAS"; null without links.
nlohmann::json LinksJson(const Container& container) {
  if (container.spec().links().empty()) return nullptr;
  nlohmann::json links = nlohmann::json::array();
  for (const std::string& link : container.spec().links()) {
    size_t colon = link.find(':');
    std::string name = link.substr(0, colon);
    std::string alias = colon == std::string::npos ? name : link.substr(colon + 1);
    links.push_back(absl::StrCat("/", name, ":/", container.name(), "/", alias));
  }
  return links;
}

nlohmann::json HostConfigJson(const Container& container) {
  const ContainerSpec& spec = container.spec();
  const auto& resources = spec.resources();
  nlohmann::json ulimits = nlohmann::json::array();
  for (const auto& ulimit : spec.ulimits()) {
    ulimits.push_back({{"Name", ulimit.name()}, {"Hard", ulimit.hard()}, {"Soft", ulimit.soft()}});
  }
  std::vector<std::string> binds;
  nlohmann::json tmpfs = nlohmann::json::object();
  nlohmann::json mount_flags = nlohmann::json::array();
  for (const MountSpec& mount : spec.mounts()) {
    const auto& markers = mount.volume_options();
    if (markers.count("mount_flag") > 0 && markers.count("volumes_from") == 0) {
      mount_flags.push_back(HostConfigMountJson(mount));
      continue;
    }
    if (mount.type() == "tmpfs") {
      if (markers.count("tmpfs_flag") > 0) tmpfs[mount.destination()] = absl::StrJoin(mount.options(), ",");
    } else if (!mount.source().empty() && markers.count("config_volume") == 0 &&
               markers.count("volumes_from") == 0) {
      // As typed: the service's default mode of a volume ("z") was not.
      bool typed_mode = !mount.mode().empty() && !(mount.type() == "volume" && mount.mode() == "z");
      binds.push_back(absl::StrCat(mount.source(), ":", mount.destination(), typed_mode ? ":" + mount.mode() : ""));
    }
  }
  int64_t nano_cpus = resources.cpu_period_us() > 0
                          ? resources.cpu_quota_us() * 1000000000 / static_cast<int64_t>(resources.cpu_period_us())
                          : 0;
  std::string network = spec.network_mode().empty() ? "bridge" : spec.network_mode();
  nlohmann::json host_config = {{"Binds", ArrayOrNull(binds)},
          {"ContainerIDFile", ""},
          {"LogConfig",
           {{"Type", spec.log_driver().empty() ? "json-file" : spec.log_driver()},
            {"Config", MapJson(spec.log_options())}}},
          {"NetworkMode", network},
          {"PortBindings", PortBindingsJson(spec)},
          {"RestartPolicy",
           {{"Name", spec.restart_policy().name().empty() ? "no" : spec.restart_policy().name()},
            {"MaximumRetryCount", spec.restart_policy().maximum_retry_count()}}},
          {"AutoRemove", spec.auto_remove()},
          {"VolumesFrom", ArrayOrNull(spec.volumes_from())},
          {"CapAdd", ArrayOrNull(spec.cap_add())},
          {"CapDrop", ArrayOrNull(spec.cap_drop())},
          {"CgroupParent", spec.cgroup_parent()},
          {"Dns", ArrayOrNull(spec.dns())},
          {"DnsOptions", ArrayOrNull(spec.dns_options())},
          {"DnsSearch", ArrayOrNull(spec.dns_search())},
          {"ExtraHosts", ArrayOrNull(spec.extra_hosts())},
          {"GroupAdd", ArrayOrNull(spec.group_add())},
          {"IpcMode", spec.ipc_mode()},
          {"OomScoreAdj", spec.oom_score_adj()},
          {"PidMode", spec.pid_mode()},
          {"Privileged", spec.privileged()},
          {"PublishAllPorts", spec.publish_all_ports()},
          {"ReadonlyRootfs", spec.read_only_rootfs()},
          {"SecurityOpt", ArrayOrNull(spec.security_opt())},
          {"Tmpfs", tmpfs.empty() ? nlohmann::json() : tmpfs},
          {"UTSMode", spec.uts_mode()},
          {"UsernsMode", spec.userns_mode()},
          {"Sysctls", spec.sysctls().empty() ? nlohmann::json() : MapJson(spec.sysctls())},
          {"Init", spec.init()},
          {"Memory", resources.memory_bytes()},
          {"MemoryReservation", resources.memory_reservation_bytes()},
          {"MemorySwap", resources.memory_swap_bytes()},
          {"NanoCpus", nano_cpus},
          // --cpus is NanoCpus in docker; CpuQuota/CpuPeriod stay 0.
          {"CpuPeriod", 0},
          {"CpuQuota", 0},
          {"CpuShares", resources.cpu_shares()},
          {"CpusetCpus", resources.cpuset_cpus()},
          {"CpusetMems", resources.cpuset_mems()},
          {"PidsLimit", resources.pids_limit() == 0 ? nlohmann::json() : nlohmann::json(resources.pids_limit())},
          {"BlkioWeight", resources.blkio_weight()},
          {"OomKillDisable", resources.oom_kill_disable()},
          {"Ulimits", ulimits.empty() ? nlohmann::json() : ulimits},
          {"ConsoleSize", {spec.console_size().rows(), spec.console_size().cols()}},
          {"Links", LinksJson(container)}};
  nlohmann::json devices = nlohmann::json::array();
  for (const auto& device : spec.devices()) {
    devices.push_back({{"PathOnHost", device.path_on_host()},
                       {"PathInContainer", device.path_in_container()},
                       {"CgroupPermissions", device.cgroup_permissions()}});
  }
  host_config["Devices"] = devices;
  host_config["DeviceCgroupRules"] = ArrayOrNull(spec.device_cgroup_rules());
  nlohmann::json requests = nlohmann::json::array();
  for (const auto& request : spec.device_requests()) {
    requests.push_back({{"Driver", request.driver()},
                        {"Count", request.count()},
                        {"DeviceIDs", ArrayOrNull(request.device_ids())},
                        {"Capabilities", nlohmann::json::array({ArrayOrNull(request.capabilities())})},
                        {"Options", MapJson(request.options())}});
  }
  host_config["DeviceRequests"] = requests.empty() ? nlohmann::json() : requests;
  if (!mount_flags.empty()) host_config["Mounts"] = mount_flags;
  return host_config;
}

nlohmann::json GraphDriverJson(const Container& container) {
  nlohmann::json data;
  for (const auto& mount : container.rootfs()) {
    data = {{"LowerDir", ""}, {"UpperDir", ""}, {"WorkDir", ""}, {"MergedDir", mount.target()}};
    for (const std::string& option : mount.options()) {
      for (const auto& [prefix, key] : {std::pair<const char*, const char*>{"lowerdir=", "LowerDir"},
                                        {"upperdir=", "UpperDir"},
                                        {"workdir=", "WorkDir"}}) {
        if (absl::StartsWith(option, prefix)) data[key] = option.substr(std::string(prefix).size());
      }
    }
    if (mount.type() == "bind" && data["LowerDir"] == "") data["LowerDir"] = mount.source();
  }
  return {{"Name", "overlay2"}, {"Data", data}};
}

// docker's HealthConfig: durations in nanoseconds, zero fields left out.
nlohmann::json HealthcheckJson(const berth::tasks::v1::HealthConfig& check) {
  nlohmann::json json = nlohmann::json::object();
  if (check.test_size() > 0) json["Test"] = ArrayOrNull(check.test());
  for (const auto& [key, value] : {std::pair<const char*, int64_t>{"Interval", check.interval_ns()},
                                   {"Timeout", check.timeout_ns()},
                                   {"StartPeriod", check.start_period_ns()},
                                   {"StartInterval", check.start_interval_ns()},
                                   {"Retries", check.retries()}}) {
    if (value != 0) json[key] = value;
  }
  return json;
}

nlohmann::json ConfigJson(const Container& container, const ResolvedConfig& config) {
  const ContainerSpec& spec = container.spec();
  nlohmann::json exposed = nlohmann::json::object();
  for (const std::string& port : config.exposed_ports) exposed[port] = nlohmann::json::object();
  nlohmann::json volumes = nlohmann::json::object();
  for (const MountSpec& mount : spec.mounts()) {
    // Docker's Config.Volumes: the image's VOLUMEs and `-v /path`.
    if (mount.type() == "volume" && mount.volume_options().count("config_volume") > 0) {
      volumes[mount.destination()] = nlohmann::json::object();
    }
  }
  nlohmann::json json = {
      {"Hostname", spec.hostname().empty() ? ShortContainerId(container.id()) : spec.hostname()},
      {"Domainname", spec.domainname()},
      {"User", config.user},
      {"AttachStdin", spec.stdin_once()},
      {"AttachStdout", spec.stdin_once()},
      {"AttachStderr", spec.stdin_once()},
      {"Tty", spec.tty()},
      {"OpenStdin", spec.open_stdin()},
      {"StdinOnce", spec.stdin_once()},
      {"Env", config.env},
      {"Cmd", ArrayOrNull(config.cmd)},
      {"Image", spec.image()},
      {"Volumes", volumes.empty() ? nlohmann::json() : volumes},
      {"WorkingDir", config.working_dir},
      {"Entrypoint", ArrayOrNull(config.entrypoint)},
      {"OnBuild", nullptr},
      {"Labels", MapJson(config.labels)}};
  if (!exposed.empty()) json["ExposedPorts"] = exposed;
  if (spec.has_healthcheck()) json["Healthcheck"] = HealthcheckJson(spec.healthcheck());
  if (!config.stop_signal.empty()) json["StopSignal"] = config.stop_signal;
  if (spec.stop_timeout() != 0) json["StopTimeout"] = spec.stop_timeout();
  return json;
}

}  // namespace

ResolvedConfig ResolveConfig(const Container& container) {
  nlohmann::json image = nlohmann::json::parse(container.image_config_json(), nullptr, false);
  nlohmann::json config = image.is_object() && image.contains("config") && image["config"].is_object()
                              ? image["config"]
                              : nlohmann::json::object();
  const ContainerSpec& spec = container.spec();
  ResolvedConfig out;
  // The service keeps the spec merged with the image's config: what it says
  // runs. One empty string: the user cleared the image's entrypoint. A spec
  // with nothing to run is one the user gave as is: the image's then.
  bool cleared = spec.entrypoint_size() == 1 && spec.entrypoint(0).empty();
  if (!cleared) out.entrypoint.assign(spec.entrypoint().begin(), spec.entrypoint().end());
  out.cmd.assign(spec.cmd().begin(), spec.cmd().end());
  if (spec.entrypoint_size() == 0 && spec.cmd_size() == 0) {
    out.entrypoint = Strings(config["Entrypoint"]);
    out.cmd = Strings(config["Cmd"]);
  }
  out.env = Strings(config["Env"]);
  MergeEnv(std::vector<std::string>(spec.env().begin(), spec.env().end()), &out.env);
  if (config["Labels"].is_object()) {
    for (const auto& [key, value] : config["Labels"].items()) {
      if (value.is_string()) out.labels[key] = value.get<std::string>();
    }
  }
  for (const auto& [key, value] : spec.labels()) out.labels[key] = value;
  out.working_dir = spec.working_dir().empty() ? StringField(config, "WorkingDir") : spec.working_dir();
  out.user = spec.user().empty() ? StringField(config, "User") : spec.user();
  out.stop_signal = spec.stop_signal().empty() ? StringField(config, "StopSignal") : spec.stop_signal();
  std::set<std::string> seen;
  auto expose = [&](const std::string& port) {
    if (seen.insert(port).second) out.exposed_ports.push_back(port);
  };
  if (config["ExposedPorts"].is_object()) {
    for (const auto& item : config["ExposedPorts"].items()) expose(item.key());
  }
  for (const std::string& port : spec.exposed_ports()) expose(port);
  for (const auto& binding : spec.port_bindings()) {
    expose(absl::StrCat(binding.container_port(), "/", binding.protocol().empty() ? "tcp" : binding.protocol()));
  }
  return out;
}

nlohmann::json ContainerInspectJson(const Container& container) {
  ResolvedConfig config = ResolveConfig(container);
  std::vector<std::string> argv = config.entrypoint;
  argv.insert(argv.end(), config.cmd.begin(), config.cmd.end());
  nlohmann::json args = nlohmann::json::array();
  for (size_t i = 1; i < argv.size(); ++i) args.push_back(argv[i]);
  nlohmann::json mounts = nlohmann::json::array();
  for (const MountSpec& mount : container.spec().mounts()) {
    // --tmpfs is HostConfig.Tmpfs, not a mount point, in docker's inspect.
    if (mount.volume_options().count("tmpfs_flag") == 0) mounts.push_back(MountJson(mount));
  }
  bool running = container.state().status() == berth::tasks::v1::RUNNING ||
                 container.state().status() == berth::tasks::v1::PAUSED;
  return {{"Id", container.id()},
          {"Created", Rfc3339Nano(container.created_at())},
          {"Path", argv.empty() ? "" : argv[0]},
          {"Args", args},
          {"State", StateJson(container.state())},
          {"Image", container.image_id()},
          {"ResolvConfPath", container.resolv_conf_path()},
          {"HostnamePath", container.hostname_path()},
          {"HostsPath", container.hosts_path()},
          {"LogPath", container.log_path()},
          {"Name", absl::StartsWith(container.name(), "/") ? container.name() : "/" + container.name()},
          {"RestartCount", container.state().restart_count()},
          {"Driver", "overlay2"},
          {"Platform", "linux"},
          {"MountLabel", ""},
          {"ProcessLabel", ""},
          {"AppArmorProfile", ""},
          {"ExecIDs", ArrayOrNull(container.exec_ids())},
          {"HostConfig", HostConfigJson(container)},
          {"GraphDriver", GraphDriverJson(container)},
          {"Mounts", mounts},
          {"Config", ConfigJson(container, config)},
          {"NetworkSettings", NetworkSettingsJson(container, running)}};
}

}  // namespace berth::cli
