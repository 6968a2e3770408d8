#include "services/docker/container_create.h"

#include "absl/strings/match.h"
#include "absl/strings/numbers.h"
#include "absl/strings/str_cat.h"
#include "absl/strings/str_split.h"
#include "cli/commands/container_parse.h"
#include "services/docker/json_fields.h"

namespace berth::docker {
namespace {

using berth::tasks::v1::ContainerSpec;
using nlohmann::json;

void ReadConfig(JsonFields& config, ContainerSpec* spec) {
  std::string text;
  if (config.String("Image", &text)) spec->set_image(text);
  std::vector<std::string> list;
  if (config.Strings("Cmd", &list, true)) {
    for (const std::string& arg : list) spec->add_cmd(arg);
  }
  list.clear();
  // An entrypoint given (even [""]) replaces the image's; null keeps it.
  if (config.Strings("Entrypoint", &list, true)) {
    if (list.empty()) list.push_back("");
    for (const std::string& arg : list) spec->add_entrypoint(arg);
  }
  list.clear();
  if (config.Strings("Env", &list)) {
    for (const std::string& item : list) spec->add_env(item);
  }
  if (config.String("WorkingDir", &text)) spec->set_working_dir(text);
  if (config.String("User", &text)) spec->set_user(text);
  if (config.String("Hostname", &text)) spec->set_hostname(text);
  if (config.String("Domainname", &text)) spec->set_domainname(text);
  std::map<std::string, std::string> labels;
  if (config.StringMap("Labels", &labels)) {
    for (const auto& [key, value] : labels) (*spec->mutable_labels())[key] = value;
  }
  bool flag = false;
  if (config.Bool("Tty", &flag)) spec->set_tty(flag);
  flag = false;
  if (config.Bool("OpenStdin", &flag)) spec->set_open_stdin(flag);
  flag = false;
  if (config.Bool("StdinOnce", &flag)) spec->set_stdin_once(flag);
  if (config.String("StopSignal", &text)) spec->set_stop_signal(text);
  int64_t number = 0;
  if (config.Int("StopTimeout", &number)) spec->set_stop_timeout(static_cast<int32_t>(number));
  if (const json* exposed = config.Object("ExposedPorts")) {
    for (const auto& item : exposed->items()) spec->add_exposed_ports(item.key());
  }
  if (const json* health = config.Object("Healthcheck")) {
    JsonFields fields = config.Nested(*health, "HealthConfig");
    auto* check = spec->mutable_healthcheck();
    std::vector<std::string> test;
    if (fields.Strings("Test", &test)) {
      for (const std::string& word : test) check->add_test(word);
    }
    int64_t value = 0;
    if (fields.Int("Interval", &value)) check->set_interval_ns(value);
    value = 0;
    if (fields.Int("Timeout", &value)) check->set_timeout_ns(value);
    value = 0;
    if (fields.Int("StartPeriod", &value)) check->set_start_period_ns(value);
    value = 0;
    if (fields.Int("StartInterval", &value)) check->set_start_interval_ns(value);
    value = 0;
    if (fields.Int("Retries", &value)) check->set_retries(static_cast<int32_t>(value));
  }
}

absl::Status ReadResources(JsonFields& host, ContainerSpec* spec) {
  auto* resources = spec->mutable_resources();
  int64_t value = 0;
  if (host.Int("Memory", &value)) resources->set_memory_bytes(value);
  value = 0;
  if (host.Int("MemorySwap", &value)) resources->set_memory_swap_bytes(value);
  value = 0;
  if (host.Int("MemoryReservation", &value)) resources->set_memory_reservation_bytes(value);
  int64_t nano_cpus = 0;
  int64_t quota = 0;
  int64_t period = 0;
  host.Int("NanoCpus", &nano_cpus);
  host.Int("CpuQuota", &quota);
  host.Int("CpuPeriod", &period);
  if (nano_cpus != 0 && (quota != 0 || period != 0)) {
    return absl::InvalidArgumentError(
        "Conflicting options: Nano CPUs and CPU Period cannot both be set");
  }
  if (nano_cpus != 0) {
    // As the CLI's --cpus: a CFS quota over docker's default 100ms period.
    resources->set_cpu_quota_us(nano_cpus / 10000);
    resources->set_cpu_period_us(100000);
  } else {
    resources->set_cpu_quota_us(quota);
    resources->set_cpu_period_us(static_cast<uint64_t>(std::max<int64_t>(0, period)));
  }
  value = 0;
  if (host.Int("CpuShares", &value)) {
    if (value < 0) return absl::InvalidArgumentError("CPU shares must be a positive number");
    resources->set_cpu_shares(static_cast<uint64_t>(value));
  }
  std::string text;
  if (host.String("CpusetCpus", &text)) resources->set_cpuset_cpus(text);
  if (host.String("CpusetMems", &text)) resources->set_cpuset_mems(text);
  value = 0;
  if (host.Int("PidsLimit", &value)) resources->set_pids_limit(value);
  value = 0;
  if (host.Int("BlkioWeight", &value)) resources->set_blkio_weight(static_cast<uint32_t>(value));
  bool flag = false;
  if (host.Bool("OomKillDisable", &flag)) resources->set_oom_kill_disable(flag);
  return absl::OkStatus();
}

absl::Status ReadMounts(JsonFields& host, ContainerSpec* spec) {
  std::vector<std::string> binds;
  host.Strings("Binds", &binds);
  for (const std::string& bind : binds) {
    auto mount = berth::cli::ParseVolumeSpec(bind);
    if (!mount.ok()) return mount.status();
    *spec->add_mounts() = *mount;
  }
  if (const json* mounts = host.Array("Mounts")) {
    for (const json& item : *mounts) {
      JsonFields fields = host.Nested(item, "Mount");
      berth::tasks::v1::MountSpec mount;
      std::string type;
      fields.String("Type", &type);
      std::string text;
      fields.String("Source", &text);
      mount.set_source(text);
      text.clear();
      fields.String("Target", &text);
      mount.set_destination(text);
      bool read_only = false;
      fields.Bool("ReadOnly", &read_only);
      mount.set_read_only(read_only);
      if (type != "bind" && type != "volume" && type != "tmpfs") {
        return absl::InvalidArgumentError(
            absl::StrCat("invalid mount config for type \"", type, "\": mount type unknown"));
      }
      if (mount.destination().empty()) {
        return absl::InvalidArgumentError(
            absl::StrCat("invalid mount config for type \"", type,
                         "\": field Target must not be empty"));
      }
      mount.set_type(type);
      if (const json* bind = fields.Object("BindOptions")) {
        JsonFields options = fields.Nested(*bind, "BindOptions");
        std::string propagation;
        if (options.String("Propagation", &propagation)) mount.set_propagation(propagation);
      }
      if (const json* tmpfs = fields.Object("TmpfsOptions")) {
        JsonFields options = fields.Nested(*tmpfs, "TmpfsOptions");
        int64_t size = 0;
        if (options.Int("SizeBytes", &size)) mount.set_tmpfs_size_bytes(size);
        int64_t mode = 0;
        if (options.Int("Mode", &mode)) mount.add_options(absl::StrCat("mode=", absl::Hex(mode)));
      }
      if (const json* volume = fields.Object("VolumeOptions")) {
        JsonFields options = fields.Nested(*volume, "VolumeOptions");
        bool no_copy = false;
        if (options.Bool("NoCopy", &no_copy) && no_copy) mount.add_options("nocopy");
        std::map<std::string, std::string> labels;
        options.StringMap("Labels", &labels);
        for (const auto& [key, value] : labels) (*mount.mutable_volume_options())[key] = value;
      }
      *spec->add_mounts() = mount;
    }
  }
  std::map<std::string, std::string> tmpfs;
  host.StringMap("Tmpfs", &tmpfs);
  for (const auto& [path, options] : tmpfs) {
    auto mount = berth::cli::ParseTmpfsSpec(options.empty() ? path : path + ":" + options);
    if (!mount.ok()) return mount.status();
    *spec->add_mounts() = *mount;
  }
  std::vector<std::string> volumes_from;
  host.Strings("VolumesFrom", &volumes_from);
  for (const std::string& item : volumes_from) spec->add_volumes_from(item);
  return host.status();
}

// Config.Volumes ({"/data":{}}: `docker run -v /data`, the SDKs' volumes=)
// are anonymous volumes, as an image's VOLUMEs (the tasks service lets a
// bind or mount at the same path win, as dockerd does).
absl::Status ReadConfigVolumes(JsonFields& config, ContainerSpec* spec) {
  const json* volumes = config.Object("Volumes");
  if (volumes == nullptr) return config.status();
  for (const auto& item : volumes->items()) {
    auto mount = berth::cli::ParseVolumeSpec(item.key());
    if (!mount.ok()) return mount.status();
    if (!mount->source().empty()) {
      return absl::InvalidArgumentError(
          absl::StrCat("invalid volume specification: '", item.key(), "'"));
    }
    *spec->add_mounts() = *mount;
  }
  return config.status();
}

absl::Status ReadPorts(JsonFields& host, ContainerSpec* spec) {
  const json* bindings = host.Object("PortBindings");
  if (bindings == nullptr) return host.status();
  for (const auto& [port, list] : bindings->items()) {
    std::vector<std::string> parts = absl::StrSplit(port, '/');
    uint32_t container_port = 0;
    if (!absl::SimpleAtoi(parts[0], &container_port) || container_port == 0 ||
        container_port > 65535) {
      return absl::InvalidArgumentError(absl::StrCat("invalid port specification: \"", port, "\""));
    }
    std::string protocol = parts.size() > 1 ? parts[1] : "tcp";
    if (!list.is_array()) continue;
    for (const json& item : list) {
      JsonFields fields = host.Nested(item, "PortBinding");
      berth::tasks::v1::PortBinding binding;
      std::string text;
      fields.String("HostIp", &text);
      binding.set_host_ip(text);
      text.clear();
      fields.String("HostPort", &text);
      uint32_t host_port = 0;
      if (!text.empty()) {
        // "8080" or a range "8000-8010" (the first free one; take its start).
        std::string first = text.substr(0, text.find('-'));
        if (!absl::SimpleAtoi(first, &host_port) || host_port > 65535) {
          return absl::InvalidArgumentError(absl::StrCat("invalid port specification: \"", text, "\""));
        }
      }
      binding.set_host_port(host_port);
      binding.set_container_port(container_port);
      binding.set_protocol(protocol);
      *spec->add_port_bindings() = binding;
    }
  }
  return host.status();
}

absl::Status ReadSecurity(JsonFields& host, ContainerSpec* spec) {
  bool flag = false;
  if (host.Bool("Privileged", &flag)) spec->set_privileged(flag);
  flag = false;
  if (host.Bool("ReadonlyRootfs", &flag)) spec->set_read_only_rootfs(flag);
  std::vector<std::string> list;
  host.Strings("CapAdd", &list);
  for (const std::string& cap : list) spec->add_cap_add(cap);
  list.clear();
  host.Strings("CapDrop", &list);
  for (const std::string& cap : list) spec->add_cap_drop(cap);
  list.clear();
  host.Strings("SecurityOpt", &list);
  for (const std::string& opt : list) spec->add_security_opt(opt);
  list.clear();
  host.Strings("GroupAdd", &list);
  for (const std::string& group : list) spec->add_group_add(group);
  list.clear();
  host.Strings("DeviceCgroupRules", &list);
  for (const std::string& rule : list) spec->add_device_cgroup_rules(rule);
  if (const json* devices = host.Array("Devices")) {
    for (const json& item : *devices) {
      JsonFields fields = host.Nested(item, "DeviceMapping");
      berth::tasks::v1::DeviceMapping device;
      std::string text;
      fields.String("PathOnHost", &text);
      device.set_path_on_host(text);
      text.clear();
      fields.String("PathInContainer", &text);
      device.set_path_in_container(text.empty() ? device.path_on_host() : text);
      text = "rwm";
      fields.String("CgroupPermissions", &text);
      device.set_cgroup_permissions(text);
      *spec->add_devices() = device;
    }
  }
  if (const json* requests = host.Array("DeviceRequests")) {
    for (const json& item : *requests) {
      JsonFields fields = host.Nested(item, "DeviceRequest");
      berth::tasks::v1::DeviceRequest request;
      std::string text;
      fields.String("Driver", &text);
      request.set_driver(text);
      int64_t count = 0;
      fields.Int("Count", &count);
      request.set_count(static_cast<int32_t>(count));
      std::vector<std::string> ids;
      fields.Strings("DeviceIDs", &ids);
      for (const std::string& id : ids) request.add_device_ids(id);
      if (const json* capabilities = fields.Array("Capabilities")) {
        for (const json& set : *capabilities) {
          if (!set.is_array()) continue;
          for (const json& capability : set) {
            if (capability.is_string()) request.add_capabilities(capability.get<std::string>());
          }
        }
      }
      *spec->add_device_requests() = request;
    }
  }
  if (const json* ulimits = host.Array("Ulimits")) {
    for (const json& item : *ulimits) {
      JsonFields fields = host.Nested(item, "Ulimit");
      berth::tasks::v1::Ulimit ulimit;
      std::string name;
      fields.String("Name", &name);
      int64_t soft = 0;
      int64_t hard = 0;
      fields.Int("Soft", &soft);
      fields.Int("Hard", &hard);
      ulimit.set_name(name);
      ulimit.set_soft(soft);
      ulimit.set_hard(hard);
      *spec->add_ulimits() = ulimit;
    }
  }
  std::map<std::string, std::string> sysctls;
  host.StringMap("Sysctls", &sysctls);
  for (const auto& [key, value] : sysctls) (*spec->mutable_sysctls())[key] = value;
  int64_t oom_score_adj = 0;
  if (host.Int("OomScoreAdj", &oom_score_adj)) {
    spec->set_oom_score_adj(static_cast<int32_t>(oom_score_adj));
  }
  std::string text;
  if (host.String("CgroupParent", &text)) spec->set_cgroup_parent(text);
  if (host.String("IpcMode", &text)) spec->set_ipc_mode(text);
  if (host.String("PidMode", &text)) spec->set_pid_mode(text);
  if (host.String("UTSMode", &text)) {
    // docker's modes only (container:X is for berth-cri's pods).
    if (!text.empty() && text != "host") {
      return absl::InvalidArgumentError(absl::StrCat("invalid UTS mode: ", text));
    }
    spec->set_uts_mode(text);
  }
  if (host.String("UsernsMode", &text)) spec->set_userns_mode(text);
  return host.status();
}

absl::Status ReadNetworking(JsonFields& host, const json& body, ContainerSpec* spec) {
  std::string mode;
  host.String("NetworkMode", &mode);
  // The CLI's "default" is the daemon's default network: bridge on Linux.
  if (mode == "default") mode.clear();
  spec->set_network_mode(mode);
  bool flag = false;
  if (host.Bool("PublishAllPorts", &flag)) spec->set_publish_all_ports(flag);
  std::vector<std::string> list;
  host.Strings("Dns", &list);
  for (const std::string& item : list) spec->add_dns(item);
  list.clear();
  host.Strings("DnsSearch", &list);
  for (const std::string& item : list) spec->add_dns_search(item);
  list.clear();
  host.Strings("DnsOptions", &list);
  for (const std::string& item : list) spec->add_dns_options(item);
  list.clear();
  host.Strings("ExtraHosts", &list);
  for (const std::string& item : list) {
    auto parsed = berth::cli::ParseExtraHost(item);
    if (!parsed.ok()) return parsed.status();
    spec->add_extra_hosts(*parsed);
  }
  // Aliases of the container's own network (the one create connects).
  JsonFields top = host.Nested(body, "ContainerConfigWrapper");
  if (const json* networking = top.Object("NetworkingConfig")) {
    JsonFields fields = top.Nested(*networking, "NetworkingConfig");
    if (const json* endpoints = fields.Object("EndpointsConfig")) {
      for (const auto& [name, endpoint] : endpoints->items()) {
        if (!endpoint.is_object()) continue;
        if (name != mode && !(mode.empty() && (name == "default" || name == "bridge"))) continue;
        JsonFields settings = fields.Nested(endpoint, "EndpointSettings");
        std::vector<std::string> aliases;
        settings.Strings("Aliases", &aliases);
        for (const std::string& alias : aliases) spec->add_network_aliases(alias);
      }
    }
  }
  return host.status();
}

// HostConfig.RestartPolicy (also the update body's); an empty name leaves
// *policy unset.
absl::Status ReadRestartPolicy(JsonFields& host, berth::tasks::v1::RestartPolicy* policy) {
  const json* restart = host.Object("RestartPolicy");
  if (restart == nullptr) return absl::OkStatus();
  JsonFields fields = host.Nested(*restart, "RestartPolicy");
  std::string name;
  fields.String("Name", &name);
  int64_t retries = 0;
  fields.Int("MaximumRetryCount", &retries);
  if (name != "" && name != "no" && name != "always" && name != "unless-stopped" &&
      name != "on-failure") {
    return absl::InvalidArgumentError(absl::StrCat("invalid restart policy: unknown policy '",
                                                   name, "'; use one of 'no', 'always', "
                                                   "'on-failure', or 'unless-stopped'"));
  }
  if (retries < 0) {
    return absl::InvalidArgumentError(
        "invalid restart policy: maximum retry count must be a positive number");
  }
  if (retries > 0 && name != "on-failure") {
    return absl::InvalidArgumentError(
        "invalid restart policy: maximum retry count can only be used with 'on-failure'");
  }
  if (!name.empty()) {
    policy->set_name(name);
    policy->set_maximum_retry_count(static_cast<int32_t>(retries));
  }
  return absl::OkStatus();
}

absl::Status ReadPolicies(JsonFields& host, ContainerSpec* spec) {
  if (absl::Status status = ReadRestartPolicy(host, spec->mutable_restart_policy()); !status.ok()) {
    return status;
  }
  bool flag = false;
  if (host.Bool("AutoRemove", &flag)) spec->set_auto_remove(flag);
  const std::string& policy = spec->restart_policy().name();
  if (spec->auto_remove() && !policy.empty() && policy != "no") {
    return absl::InvalidArgumentError(
        "conflicting options: cannot specify both --restart and --rm");
  }
  flag = false;
  if (host.Bool("Init", &flag)) spec->set_init(flag);
  std::vector<std::string> links;
  host.Strings("Links", &links);
  for (const std::string& link : links) spec->add_links(link);
  // ConsoleSize [height, width]: the tty's size from the start (CLI 28
  // sends its window so that the first output fits it).
  // Go's [2]uint: missing elements are 0, extra ones dropped.
  if (const json* size = host.Array("ConsoleSize")) {
    uint32_t value[2] = {0, 0};
    for (size_t i = 0; i < size->size() && i < 2; ++i) {
      const json& item = (*size)[i];
      if (!item.is_number_unsigned() || item.get<uint64_t>() > UINT32_MAX) {
        return absl::InvalidArgumentError(absl::StrCat(
            "json: cannot unmarshal ", item.is_number() ? "number " + item.dump() : item.type_name(),
            " into Go struct field HostConfig.HostConfig.ConsoleSize of type uint"));
      }
      value[i] = item.get<uint32_t>();
    }
    spec->mutable_console_size()->set_rows(value[0]);
    spec->mutable_console_size()->set_cols(value[1]);
  }
  if (const json* log = host.Object("LogConfig")) {
    JsonFields fields = host.Nested(*log, "LogConfig");
    std::string type;
    fields.String("Type", &type);
    spec->set_log_driver(type);
    std::map<std::string, std::string> options;
    fields.StringMap("Config", &options);
    for (const auto& [key, value] : options) (*spec->mutable_log_options())[key] = value;
  }
  return host.status();
}

}  // namespace

absl::StatusOr<ContainerSpec> ContainerSpecFromCreateBody(const json& body) {
  ContainerSpec spec;
  JsonFields config(body, "ContainerConfigWrapper.Config");
  ReadConfig(config, &spec);
  if (!config.status().ok()) return config.status();
  static const json kEmpty = json::object();
  const json* host_config = config.Object("HostConfig");
  JsonFields host = config.Nested(host_config == nullptr ? kEmpty : *host_config, "HostConfig");
  for (absl::Status status :
       {ReadResources(host, &spec), ReadMounts(host, &spec), ReadPorts(host, &spec),
        ReadSecurity(host, &spec), ReadNetworking(host, body, &spec), ReadPolicies(host, &spec)}) {
    if (!status.ok()) return status;
  }
  if (!host.status().ok()) return host.status();
  if (absl::Status status = ReadConfigVolumes(config, &spec); !status.ok()) return status;
  if (spec.image().empty()) return absl::InvalidArgumentError("config cannot be empty in order to create a container");
  return spec;
}

absl::StatusOr<berth::tasks::v1::UpdateContainerRequest> ContainerUpdateFromBody(
    const json& body) {
  berth::tasks::v1::UpdateContainerRequest update;
  JsonFields fields(body, "UpdateConfig");
  ContainerSpec spec;
  if (absl::Status status = ReadResources(fields, &spec); !status.ok()) return status;
  *update.mutable_resources() = spec.resources();
  // dockerd: PidsLimit 0 or -1 lifts the limit; the service's 0 is "unchanged".
  if (fields.Has("PidsLimit") && update.resources().pids_limit() <= 0 &&
      !body.at("PidsLimit").is_null()) {
    update.mutable_resources()->set_pids_limit(-1);
  }
  if (absl::Status status = ReadRestartPolicy(fields, update.mutable_restart_policy());
      !status.ok()) {
    return status;
  }
  if (!fields.status().ok()) return fields.status();
  return update;
}

}  // namespace berth::docker
