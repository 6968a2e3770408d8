#include "services/builder/registry_auth.h"

#include "nlohmann/json.hpp"
#include "services/images/reference.h"

namespace berth::builder {

std::optional<berth::images::v1::RegistryAuth> RegistryAuthFor(
    const std::string& ref, const google::protobuf::Map<std::string, std::string>& auths) {
  auto reference = images::ParseReference(ref);
  if (!reference.ok() || auths.empty()) return std::nullopt;
  for (const auto& [key, text] : auths) {
    std::string host = key;
    if (size_t scheme = host.find("://"); scheme != std::string::npos) host = host.substr(scheme + 3);
    host = host.substr(0, host.find('/'));
    if (host == "index.docker.io" || host == "registry-1.docker.io") host = "docker.io";
    if (host != reference->domain) continue;
    auto json = nlohmann::json::parse(text, nullptr, false);
    if (!json.is_object()) continue;
    berth::images::v1::RegistryAuth auth;
    auto field = [&](const char* name) {
      return json.contains(name) && json[name].is_string() ? json[name].get<std::string>() : "";
    };
    auth.set_username(field("username"));
    auth.set_password(field("password"));
    auth.set_identity_token(field("identitytoken"));
    auth.set_registry_token(field("registrytoken"));
    auth.set_server_address(key);
    return auth;
  }
  return std::nullopt;
}

}  // namespace berth::builder
