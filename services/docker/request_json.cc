// The parts of a request every endpoint reads the same way: a JSON body,
// the filters parameter, a JSON answer.

#include "absl/strings/str_cat.h"
#include "services/docker/routes.h"

namespace berth::docker {

std::optional<nlohmann::json> JsonBody(const ApiRequest& request, HttpResponse* error) {
  if (request.http.body_truncated) {
    *error = HttpResponse::Error(413, "request body too large");
    return std::nullopt;
  }
  if (request.http.body.empty()) return nlohmann::json::object();
  nlohmann::json body = nlohmann::json::parse(request.http.body, nullptr, /*allow_exceptions=*/false);
  if (body.is_discarded()) {
    *error = HttpResponse::Error(400, "invalid JSON: the request body is not valid JSON");
    return std::nullopt;
  }
  if (body.is_null()) return nlohmann::json::object();
  if (!body.is_object()) {
    *error = HttpResponse::Error(400, "invalid JSON: the request body must be a JSON object");
    return std::nullopt;
  }
  return body;
}

std::optional<Filters> ParseFilters(const ApiRequest& request, HttpResponse* error) {
  Filters filters;
  std::string text = request.http.Query("filters");
  if (text.empty()) return filters;
  nlohmann::json json = nlohmann::json::parse(text, nullptr, false);
  if (!json.is_object()) {
    *error = HttpResponse::Error(400, absl::StrCat("invalid filter: ", text));
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
          *error = HttpResponse::Error(400, absl::StrCat("invalid filter: ", text));
          return std::nullopt;
        }
        out.push_back(value.get<std::string>());
      }
    } else {
      *error = HttpResponse::Error(400, absl::StrCat("invalid filter: ", text));
      return std::nullopt;
    }
  }
  return filters;
}

HttpResponse JsonResponse(int status, const nlohmann::json& body) {
  return HttpResponse::Json(status,
                            body.dump(-1, ' ', false, nlohmann::json::error_handler_t::replace) + "\n");
}

}  // namespace berth::docker
