#include "services/cri/container_request.h"

#include <fstream>
#include <sstream>

#include "absl/strings/escaping.h"
#include "absl/strings/match.h"
#include "absl/strings/str_cat.h"
#include "services/cri/cri_labels.h"
#include "services/cri/oom_score.h"
#include "services/cri/pod_holder_spec.h"

namespace berth::cri {
namespace {

// The tasks service makes a bind's missing host directory with this
// marker, as containerd does for a CRI mount's missing host path.
constexpr char kCreateHostPath[] = "create_host_path";

std::string Propagation(runtime::v1::MountPropagation propagation) {
  switch (propagation) {
    case runtime::v1::PROPAGATION_HOST_TO_CONTAINER:
      return "rslave";
    case runtime::v1::PROPAGATION_BIDIRECTIONAL:
      return "rshared";
    default:
      return "rprivate";
  }
}

// user[:group] as the tasks service takes it (resolved by the shim in the
// image's /etc/passwd and /etc/group).
std::string User(const runtime::v1::LinuxContainerSecurityContext& security) {
  std::string user;
  if (security.has_run_as_user()) {
    user = absl::StrCat(security.run_as_user().value());
  } else if (!security.run_as_username().empty()) {
    user = security.run_as_username();
  }
  if (security.has_run_as_group()) absl::StrAppend(&user, ":", security.run_as_group().value());
  return user;
}

// The kubelet names capabilities as Kubernetes does (NET_ADMIN, ALL);
// docker's flags take the same names.
std::string Capability(const std::string& name) {
  return absl::StartsWith(name, "CAP_") ? name.substr(4) : name;
}

// No profile at all is unconfined, as the CRI defines it (and containerd
// and CRI-O do): the kubelet always names the profile it wants. (The
// deprecated seccomp_profile_path is not read: no kubelet of this era sets it.)
absl::Status AddSeccomp(const runtime::v1::LinuxContainerSecurityContext& security,
                        berth::tasks::v1::ContainerSpec* spec) {
  if (!security.has_seccomp()) {
    spec->add_security_opt("seccomp=unconfined");
    return absl::OkStatus();
  }
  const runtime::v1::SecurityProfile& profile = security.seccomp();
  switch (profile.profile_type()) {
    case runtime::v1::SecurityProfile::Unconfined:
      spec->add_security_opt("seccomp=unconfined");
      return absl::OkStatus();
    case runtime::v1::SecurityProfile::Localhost: {
      std::ifstream in(profile.localhost_ref());
      if (!in) {
        return absl::InvalidArgumentError(
            absl::StrCat("seccomp profile ", profile.localhost_ref(), " cannot be read"));
      }
      std::stringstream text;
      text << in.rdbuf();
      spec->add_security_opt("seccomp=" + text.str());
      return absl::OkStatus();
    }
    default:
      return absl::OkStatus();  // RuntimeDefault: berth's default filter
  }
}

}  // namespace

absl::Status ValidateContainerConfig(const runtime::v1::ContainerConfig& config) {
  if (!config.has_metadata() || config.metadata().name().empty()) {
    return absl::InvalidArgumentError("container config must include metadata.name");
  }
  if (config.image().image().empty()) {
    return absl::InvalidArgumentError("container config must include image.image");
  }
  // A group alone would run as root with that group: refused, as containerd.
  const auto& security = config.linux().security_context();
  if (security.has_run_as_group() && !security.has_run_as_user() &&
      security.run_as_username().empty()) {
    return absl::InvalidArgumentError(absl::StrCat(
        "user group \"", security.run_as_group().value(), "\" is specified without user"));
  }
  return absl::OkStatus();
}

std::string ContainerName(const runtime::v1::ContainerConfig& config,
                          const runtime::v1::PodSandboxMetadata& pod) {
  return TasksName(absl::StrCat("k8s_", config.metadata().name(), "_", pod.name(), "_",
                                pod.namespace_(), "_", pod.uid(), "_", config.metadata().attempt()));
}

runtime::v1::ContainerConfig StatusFacts(const runtime::v1::ContainerConfig& config) {
  runtime::v1::ContainerConfig facts;
  *facts.mutable_metadata() = config.metadata();
  *facts.mutable_image() = config.image();
  *facts.mutable_labels() = config.labels();
  *facts.mutable_annotations() = config.annotations();
  *facts.mutable_mounts() = config.mounts();
  facts.set_log_path(config.log_path());
  return facts;
}

std::string EncodeFacts(const runtime::v1::ContainerConfig& facts) {
  return absl::Base64Escape(facts.SerializeAsString());
}

runtime::v1::ContainerConfig DecodeFacts(const std::string& label) {
  runtime::v1::ContainerConfig facts;
  std::string bytes;
  if (!absl::Base64Unescape(label, &bytes) || !facts.ParseFromString(bytes)) facts.Clear();
  return facts;
}

absl::StatusOr<berth::tasks::v1::CreateContainerRequest> ContainerRequest(
    const runtime::v1::ContainerConfig& config, const PodRecord& pod, int oom_floor) {
  berth::tasks::v1::CreateContainerRequest request;
  request.set_name(ContainerName(config, pod.config.metadata()));
  berth::tasks::v1::ContainerSpec& spec = *request.mutable_spec();
  spec.set_image(config.image().image());
  // command replaces the image's ENTRYPOINT (and drops its CMD), args its
  // CMD: the tasks service merges docker's way, which is the kubelet's.
  for (const std::string& arg : config.command()) spec.add_entrypoint(arg);
  for (const std::string& arg : config.args()) spec.add_cmd(arg);
  for (const auto& env : config.envs()) spec.add_env(absl::StrCat(env.key(), "=", env.value()));
  spec.set_working_dir(config.working_dir());
  for (const auto& [key, value] : config.labels()) (*spec.mutable_labels())[key] = value;
  (*spec.mutable_labels())[kKindLabel] = kKindContainer;
  (*spec.mutable_labels())[kSandboxIdLabel] = pod.id;
  (*spec.mutable_labels())[kContainerConfigLabel] = EncodeFacts(StatusFacts(config));
  spec.set_tty(config.tty());
  spec.set_open_stdin(config.stdin());
  spec.set_stdin_once(config.stdin_once());
  for (const auto& mount : config.mounts()) {
    if (mount.container_path().empty() || mount.host_path().empty()) {
      return absl::InvalidArgumentError(absl::StrCat("mount \"", mount.container_path(), "\" of \"",
                                                     mount.host_path(), "\": both paths are needed"));
    }
    auto* bind = spec.add_mounts();
    bind->set_type("bind");
    bind->set_source(mount.host_path());
    bind->set_destination(mount.container_path());
    bind->set_read_only(mount.readonly());
    bind->set_propagation(Propagation(mount.propagation()));
    (*bind->mutable_volume_options())[kCreateHostPath] = "true";
  }
  for (const auto& device : config.devices()) {
    auto* mapping = spec.add_devices();
    mapping->set_path_on_host(device.host_path());
    mapping->set_path_in_container(device.container_path());
    mapping->set_cgroup_permissions(device.permissions().empty() ? "rwm" : device.permissions());
  }

  // The pod's namespaces: its holder's network (or the host's, which the
  // holder has then), IPC and UTS (one hostname for the pod, as
  // containerd's sandbox).
  const auto& pod_namespaces = pod.config.linux().security_context().namespace_options();
  if (pod_namespaces.network() == runtime::v1::NODE) {
    // The host's namespace directly, as containerd does: joining it through
    // the holder would open /proc/1/ns/net, which a host may refuse.
    spec.set_network_mode("host");
    spec.set_hostname(pod.config.hostname());
  } else {
    spec.set_network_mode("container:" + pod.holder_id);
  }
  spec.set_ipc_mode(pod_namespaces.ipc() == runtime::v1::NODE ? "host" : "container:" + pod.holder_id);
  spec.set_uts_mode("container:" + pod.holder_id);
  const auto& security = config.linux().security_context();
  switch (security.namespace_options().pid()) {
    case runtime::v1::NODE:
      spec.set_pid_mode("host");
      break;
    case runtime::v1::POD:
      spec.set_pid_mode("container:" + pod.holder_id);
      break;
    case runtime::v1::TARGET:
      spec.set_pid_mode("container:" + security.namespace_options().target_id());
      break;
    default:
      break;  // CONTAINER: its own
  }
  spec.set_cgroup_parent(pod.config.linux().cgroup_parent());

  spec.set_user(User(security));
  for (int64_t group : security.supplemental_groups()) spec.add_group_add(absl::StrCat(group));
  spec.set_read_only_rootfs(security.readonly_rootfs());
  spec.set_privileged(security.privileged());
  // The kubelet's lists replace docker's defaults; empty keeps them.
  *spec.mutable_masked_paths() = security.masked_paths();
  *spec.mutable_readonly_paths() = security.readonly_paths();
  for (const std::string& cap : security.capabilities().add_capabilities()) {
    spec.add_cap_add(Capability(cap));
  }
  for (const std::string& cap : security.capabilities().drop_capabilities()) {
    spec.add_cap_drop(Capability(cap));
  }
  if (security.no_new_privs()) spec.add_security_opt("no-new-privileges");
  if (!security.privileged()) {
    if (absl::Status status = AddSeccomp(security, &spec); !status.ok()) return status;
  }

  const auto& resources = config.linux().resources();
  *spec.mutable_resources() = TaskResources(resources);
  spec.set_oom_score_adj(ClampOomScoreAdj(resources.oom_score_adj(), oom_floor));
  return request;
}

berth::tasks::v1::Resources TaskResources(const runtime::v1::LinuxContainerResources& resources) {
  berth::tasks::v1::Resources limits;
  limits.set_cpu_period_us(static_cast<uint64_t>(std::max<int64_t>(0, resources.cpu_period())));
  limits.set_cpu_quota_us(resources.cpu_quota());
  limits.set_cpu_shares(static_cast<uint64_t>(std::max<int64_t>(0, resources.cpu_shares())));
  limits.set_memory_bytes(resources.memory_limit_in_bytes());
  limits.set_memory_swap_bytes(resources.memory_swap_limit_in_bytes());
  limits.set_cpuset_cpus(resources.cpuset_cpus());
  limits.set_cpuset_mems(resources.cpuset_mems());
  return limits;
}

}  // namespace berth::cri
