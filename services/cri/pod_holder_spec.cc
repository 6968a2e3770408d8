#include "services/cri/pod_holder_spec.h"

#include "absl/strings/ascii.h"
#include "absl/strings/str_cat.h"
#include "services/cri/cri_labels.h"
#include "services/cri/oom_score.h"

namespace berth::cri {
namespace {

// containerd gives the sandbox's pause process -998, as the kubelet's
// dockershim did: the last process of a pod to die when memory runs out.
constexpr int kHolderOomScoreAdj = -998;

std::string ProtocolName(runtime::v1::Protocol protocol) {
  switch (protocol) {
    case runtime::v1::UDP:
      return "udp";
    case runtime::v1::SCTP:
      return "sctp";
    default:
      return "tcp";
  }
}

}  // namespace

absl::Status ValidatePodMetadata(const runtime::v1::PodSandboxConfig& config) {
  if (!config.has_metadata()) return absl::InvalidArgumentError("sandbox config must include metadata");
  const auto& metadata = config.metadata();
  if (metadata.name().empty()) return absl::InvalidArgumentError("sandbox config must include metadata.name");
  if (metadata.uid().empty()) return absl::InvalidArgumentError("sandbox config must include metadata.uid");
  if (metadata.namespace_().empty()) {
    return absl::InvalidArgumentError("sandbox config must include metadata.namespace");
  }
  return absl::OkStatus();
}

std::string TasksName(const std::string& name) {
  std::string out = name;
  for (size_t i = 0; i < out.size(); ++i) {
    char c = out[i];
    bool ok = absl::ascii_isalnum(static_cast<unsigned char>(c)) ||
              (i > 0 && (c == '_' || c == '.' || c == '-'));
    if (!ok) out[i] = i == 0 ? 'x' : '-';
  }
  return out;
}

std::string HolderName(const runtime::v1::PodSandboxMetadata& metadata) {
  return TasksName(absl::StrCat("k8s_POD_", metadata.name(), "_", metadata.namespace_(), "_",
                                metadata.uid(), "_", metadata.attempt()));
}

berth::tasks::v1::CreateContainerRequest HolderRequest(const std::string& pod_id,
                                                       const runtime::v1::PodSandboxConfig& config,
                                                       int oom_floor) {
  berth::tasks::v1::CreateContainerRequest request;
  request.set_name(HolderName(config.metadata()));
  request.set_namespace_holder(true);
  berth::tasks::v1::ContainerSpec& spec = *request.mutable_spec();
  (*spec.mutable_labels())[kKindLabel] = kKindSandbox;
  (*spec.mutable_labels())[kSandboxIdLabel] = pod_id;
  (*spec.mutable_labels())[kPodNameLabel] = config.metadata().name();
  (*spec.mutable_labels())[kPodNamespaceLabel] = config.metadata().namespace_();
  spec.set_hostname(config.hostname());
  const auto& linux = config.linux();
  const auto& namespaces = linux.security_context().namespace_options();
  spec.set_network_mode(namespaces.network() == runtime::v1::NODE ? "host" : "bridge");
  // The pod's containers join the holder's IPC namespace: shareable, as a
  // docker donor must be.
  spec.set_ipc_mode(namespaces.ipc() == runtime::v1::NODE ? "host" : "shareable");
  spec.set_pid_mode(namespaces.pid() == runtime::v1::NODE ? "host" : "");
  // hostPorts only: a mapping without one publishes nothing (CNI portmap).
  if (spec.network_mode() != "host") {
    for (const auto& mapping : config.port_mappings()) {
      if (mapping.host_port() <= 0) continue;
      auto* binding = spec.add_port_bindings();
      binding->set_host_ip(mapping.host_ip());
      binding->set_host_port(static_cast<uint32_t>(mapping.host_port()));
      binding->set_container_port(static_cast<uint32_t>(mapping.container_port()));
      binding->set_protocol(ProtocolName(mapping.protocol()));
    }
  }
  for (const std::string& server : config.dns_config().servers()) spec.add_dns(server);
  for (const std::string& search : config.dns_config().searches()) spec.add_dns_search(search);
  for (const std::string& option : config.dns_config().options()) spec.add_dns_options(option);
  spec.set_cgroup_parent(linux.cgroup_parent());
  for (const auto& [key, value] : linux.sysctls()) (*spec.mutable_sysctls())[key] = value;
  spec.set_privileged(linux.security_context().privileged());
  spec.set_oom_score_adj(ClampOomScoreAdj(kHolderOomScoreAdj, oom_floor));
  return request;
}

}  // namespace berth::cri
