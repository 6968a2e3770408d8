// ToJson: DaemonConfig → daemon.json, the form berthd hands its services.

#include "nlohmann/json.hpp"
#include "services/common/config/daemon_config.h"
#include "services/common/config/json_form.h"

namespace berth::config {
namespace internal {

nlohmann::json ToJsonObject(const DaemonConfig& c) {
  using nlohmann::json;
  json ulimits = json::object();
  for (const auto& [name, limit] : c.default_ulimits) {
    // The key is the name: a hand-built Ulimit with a stale name still
    // parses back.
    ulimits[name] = {{"Name", name}, {"Soft", limit.soft}, {"Hard", limit.hard}};
  }
  json pools = json::array();
  for (const AddressPool& pool : c.default_address_pools) {
    pools.push_back({{"base", pool.base}, {"size", pool.size}});
  }
  return {{"data-root", c.data_root},
          {"exec-root", c.exec_root},
          {"hosts", c.hosts},
          {"tls", c.tls},
          {"tlsverify", c.tlsverify},
          {"tlscacert", c.tlscacert},
          {"tlscert", c.tlscert},
          {"tlskey", c.tlskey},
          {"metrics-addr", c.metrics_addr},
          {"log-level", c.log_level},
          {"debug", c.debug},
          {"labels", c.labels},
          {"registry-mirrors", c.registry_mirrors},
          {"registry-endpoints", c.registry_endpoints},
          {"insecure-registries", c.insecure_registries},
          {"storage-driver", c.storage_driver},
          {"max-layer-bytes", c.max_layer_bytes},
          {"max-layer-entries", c.max_layer_entries},
          {"log-driver", c.log_driver},
          {"log-opts", c.log_opts},
          {"cgroup-driver", c.cgroup_driver},
          {"cgroup-parent", c.cgroup_parent},
          {"default-ulimits", ulimits},
          {"max-concurrent-downloads", c.max_concurrent_downloads},
          {"max-concurrent-uploads", c.max_concurrent_uploads},
          {"shutdown-timeout", c.shutdown_timeout},
          {"live-restore", c.live_restore},
          {"bip", c.bip},
          {"default-address-pools", pools},
          {"host-gateway-ip", c.host_gateway_ip},
          {"dns", c.dns},
          {"dns-search", c.dns_search},
          {"userns-remap", c.userns_remap},
          {"insecure-tcp", c.insecure_tcp},
          {"audit-log", c.audit_log},
          {"docker-socket", c.docker_socket},
          {"cri-socket", c.cri_socket},
          {"cri-stream-address", c.cri_stream_address},
          {"docker-hosts", c.docker_hosts},
          {"authorization-roles", c.authorization_roles}};
}

}  // namespace internal

std::string ToJson(const DaemonConfig& config) {
  return internal::ToJsonObject(config).dump(2) + "\n";
}

}  // namespace berth::config
