// The parts of a request every endpoint reads the same way: a JSON body,
// the filters parameter, a JSON answer, a time parameter, registry
// credentials.

#include "absl/strings/escaping.h"
#include "absl/strings/str_cat.h"
#include "services/common/base/time_arg.h"
#include "services/docker/routes.h"

namespace berth::docker {

std::optional<nlohmann::json> JsonBody(const ApiRequest& request, http::HttpResponse* error) {
  if (request.http.body_truncated) {
    *error = http::HttpResponse::Error(413, "request body too large");
    return std::nullopt;
  }
  if (request.http.body.empty()) return nlohmann::json::object();
  nlohmann::json body = nlohmann::json::parse(request.http.body, nullptr, /*allow_exceptions=*/false);
  if (body.is_discarded()) {
    *error = http::HttpResponse::Error(400, "invalid JSON: the request body is not valid JSON");
    return std::nullopt;
  }
  if (body.is_null()) return nlohmann::json::object();
  if (!body.is_object()) {
    *error = http::HttpResponse::Error(400, "invalid JSON: the request body must be a JSON object");
    return std::nullopt;
  }
  return body;
}

std::optional<Filters> ParseFilters(const ApiRequest& request, http::HttpResponse* error) {
  Filters filters;
  std::string text = request.http.Query("filters");
  if (text.empty()) return filters;
  nlohmann::json json = nlohmann::json::parse(text, nullptr, false);
  if (!json.is_object()) {
    *error = http::HttpResponse::Error(400, absl::StrCat("invalid filter: ", text));
    return std::nullopt;
  }
  for (const auto& [key, values] : json.items()) {
    std::vector<std::string>& out = filters[key];
    if (values.is_object()) {
      for (const auto& [value, enabled] : values.items()) {
        if (!enabled.is_boolean() || enabled.get<bool>()) out.push_back(value);
      }
    } else if (values.is_array()) {
      for (const auto& value : values) {
        if (!value.is_string()) {
          *error = http::HttpResponse::Error(400, absl::StrCat("invalid filter: ", text));
          return std::nullopt;
        }
        out.push_back(value.get<std::string>());
      }
    } else {
      *error = http::HttpResponse::Error(400, absl::StrCat("invalid filter: ", text));
      return std::nullopt;
    }
  }
  return filters;
}

http::HttpResponse JsonResponse(int status, const nlohmann::json& body) {
  return http::HttpResponse::Json(status,
                            body.dump(-1, ' ', false, nlohmann::json::error_handler_t::replace) + "\n");
}

bool ParseApiTime(const std::string& text, google::protobuf::Timestamp* out) {
  auto time = berth::ParseTimeArg(text, absl::Now());
  if (!time.ok()) return false;
  int64_t seconds = absl::ToUnixSeconds(*time);
  out->set_seconds(seconds);
  out->set_nanos(static_cast<int32_t>(
      absl::ToInt64Nanoseconds(*time - absl::FromUnixSeconds(seconds))));
  return true;
}

void RegistryAuthFromJson(const nlohmann::json& config, berth::images::v1::RegistryAuth* auth) {
  if (!config.is_object()) return;
  auto text = [&config](const char* key) {
    auto it = config.find(key);
    return it != config.end() && it->is_string() ? it->get<std::string>() : std::string();
  };
  auth->set_username(text("username"));
  auth->set_password(text("password"));
  auth->set_identity_token(text("identitytoken"));
  auth->set_registry_token(text("registrytoken"));
  auth->set_server_address(text("serveraddress"));
}

// X-Registry-Auth: base64url JSON of docker's AuthConfig.
void ReadRegistryAuth(const http::HttpRequest& request, berth::images::v1::RegistryAuth* auth) {
  std::string encoded = request.Header("X-Registry-Auth");
  if (encoded.empty()) return;
  std::string decoded;
  if (!absl::WebSafeBase64Unescape(encoded, &decoded) && !absl::Base64Unescape(encoded, &decoded)) {
    return;
  }
  RegistryAuthFromJson(nlohmann::json::parse(decoded, nullptr, false), auth);
}

}  // namespace berth::docker
