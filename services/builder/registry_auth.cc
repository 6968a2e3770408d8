#include "services/builder/registry_auth.h"

#include "services/images/reference.h"

namespace berth::builder {

std::optional<berth::images::v1::RegistryAuth> RegistryAuthFor(
    const std::string& ref,
    const google::protobuf::Map<std::string, berth::images::v1::RegistryAuth>& auths) {
  auto reference = images::ParseReference(ref);
  if (!reference.ok()) return std::nullopt;
  for (const auto& [key, auth] : auths) {
    std::string host = key;
    if (size_t scheme = host.find("://"); scheme != std::string::npos) host = host.substr(scheme + 3);
    host = host.substr(0, host.find('/'));
    if (host == "index.docker.io" || host == "registry-1.docker.io") host = "docker.io";
    if (host != reference->domain) continue;
    berth::images::v1::RegistryAuth found = auth;
    if (found.server_address().empty()) found.set_server_address(key);
    return found;
  }
  return std::nullopt;
}

}  // namespace berth::builder
