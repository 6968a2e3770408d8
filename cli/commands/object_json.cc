#include "cli/commands/object_json.h"

#include "cli/output.h"

namespace berth::cli {

nlohmann::json NetworkJson(const berth::network::v1::Network& network) {
  nlohmann::json ipam_config = nlohmann::json::array();
  for (const auto& ipam : network.ipam()) {
    ipam_config.push_back({{"Subnet", ipam.subnet()}, {"Gateway", ipam.gateway()}});
  }
  nlohmann::json containers = nlohmann::json::object();
  for (const auto& [id, endpoint] : network.containers()) {
    containers[id] = {{"Name", endpoint.container_name()},
                      {"EndpointID", endpoint.endpoint_id()},
                      {"MacAddress", endpoint.mac_address()},
                      {"IPv4Address", endpoint.ipv4_address()},
                      {"IPv6Address", endpoint.ipv6_address()}};
  }
  nlohmann::json labels = nlohmann::json::object();
  for (const auto& [key, value] : network.labels()) labels[key] = value;
  return {{"Name", network.name()},
          {"Id", network.id()},
          {"Created", Rfc3339(network.created_at().seconds())},
          {"Scope", network.scope()},
          {"Driver", network.driver()},
          {"EnableIPv6", network.enable_ipv6()},
          {"IPAM", {{"Driver", "default"}, {"Options", nullptr}, {"Config", ipam_config}}},
          {"Internal", network.internal()},
          {"Attachable", false},
          {"Ingress", false},
          {"ConfigFrom", {{"Network", ""}}},
          {"ConfigOnly", false},
          {"Containers", containers},
          {"Options", {{"com.docker.network.bridge.name", network.bridge()}}},
          {"Labels", labels}};
}

nlohmann::json VolumeJson(const berth::snapshots::v1::Volume& volume) {
  auto map_or_null = [](const google::protobuf::Map<std::string, std::string>& map) {
    if (map.empty()) return nlohmann::json();
    nlohmann::json json = nlohmann::json::object();
    for (const auto& [key, value] : map) json[key] = value;
    return json;
  };
  return {{"CreatedAt", Rfc3339(volume.created_at().seconds())},
          {"Driver", volume.driver()},
          {"Labels", map_or_null(volume.labels())},
          {"Mountpoint", volume.mountpoint()},
          {"Name", volume.name()},
          {"Options", map_or_null(volume.options())},
          {"Scope", volume.scope()}};
}

}  // namespace berth::cli
