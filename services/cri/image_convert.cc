#include "services/cri/image_convert.h"

#include <cstdint>

#include "absl/strings/escaping.h"
#include "absl/strings/numbers.h"
#include "nlohmann/json.hpp"
#include "services/images/reference.h"

namespace berth::cri {

runtime::v1::Image ToCriImage(const berth::images::v1::ImageDetail& detail) {
  runtime::v1::Image image;
  image.set_id(detail.id());
  for (const std::string& tag : detail.repo_tags()) {
    auto reference = images::ParseReference(tag);
    image.add_repo_tags(reference.ok() ? reference->String() : tag);
  }
  for (const std::string& digest : detail.repo_digests()) {
    auto reference = images::ParseReference(digest);
    image.add_repo_digests(reference.ok() && !reference->digest.empty()
                               ? reference->Name() + "@" + reference->digest
                               : digest);
  }
  image.set_size(static_cast<uint64_t>(detail.size()));
  image.mutable_spec()->set_image(detail.id());
  auto config = nlohmann::json::parse(detail.config_json(), nullptr, false);
  if (config.is_object() && config.contains("config") && config["config"].is_object()) {
    const nlohmann::json& user = config["config"].value("User", nlohmann::json());
    if (user.is_string()) SetImageUser(user.get<std::string>(), &image);
  }
  return image;
}

void SetImageUser(const std::string& user, runtime::v1::Image* image) {
  if (user.empty()) return;
  std::string name = user.substr(0, user.find(':'));
  int64_t uid = 0;
  if (absl::SimpleAtoi(name, &uid)) {
    image->mutable_uid()->set_value(uid);
  } else {
    image->set_username(name);
  }
}

std::string VerboseImageInfo(const berth::images::v1::ImageDetail& detail) {
  nlohmann::json spec = nlohmann::json::parse(detail.config_json(), nullptr, false);
  if (spec.is_discarded()) spec = nlohmann::json::object();
  nlohmann::json info = {{"chainID", detail.chain_id()}, {"imageSpec", spec}};
  return info.dump();
}

absl::StatusOr<berth::images::v1::RegistryAuth> ToRegistryAuth(
    const runtime::v1::AuthConfig& auth) {
  berth::images::v1::RegistryAuth out;
  out.set_server_address(auth.server_address());
  out.set_identity_token(auth.identity_token());
  out.set_registry_token(auth.registry_token());
  if (!auth.username().empty()) {
    out.set_username(auth.username());
    out.set_password(auth.password());
  } else if (!auth.auth().empty()) {
    std::string decoded;
    size_t colon = std::string::npos;
    if (absl::Base64Unescape(auth.auth(), &decoded)) colon = decoded.find(':');
    if (colon == std::string::npos) {
      return absl::InvalidArgumentError(
          "invalid auth: not base64 of \"username:password\"");
    }
    out.set_username(decoded.substr(0, colon));
    out.set_password(decoded.substr(colon + 1));
  }
  return out;
}

}  // namespace berth::cri
