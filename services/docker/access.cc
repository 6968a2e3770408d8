#include "services/docker/access.h"

#include "absl/strings/match.h"
#include "absl/strings/str_cat.h"
#include "absl/strings/str_join.h"
#include "absl/time/clock.h"
#include "nlohmann/json.hpp"
#include "services/berthd/authz.h"
#include "services/common/base/log.h"

namespace berth::docker {
namespace {

// "POST /containers/{id}/start" and its target ("web"), for the log.
std::pair<std::string, std::string> Describe(const Router* router, const http::HttpRequest& request) {
  std::optional<RouteMatch> match = router != nullptr ? router->Find(request) : std::nullopt;
  std::string path = request.path;
  if (absl::StartsWith(path, "/v")) {
    size_t slash = path.find('/', 1);
    if (slash != std::string::npos) path = path.substr(slash);
  }
  std::string method = absl::StrCat(request.method, " ", match ? match->pattern : path);
  std::string target;
  if (match && !match->params.empty()) {
    target = absl::StrJoin(match->params, " ");
  } else {
    // Creations name their object in the query (create?name=, pull, import,
    // build's first tag).
    for (const char* key : {"name", "fromImage", "repo", "container", "t"}) {
      target = request.Query(key);
      if (!target.empty()) break;
    }
  }
  return {method, target};
}

// A string field of a JSON body ("Name" of a volume or network create, "Id"
// of what a create made), or "".
std::string JsonField(const std::string& body, const char* field) {
  if (body.empty() || body[0] != '{') return "";
  nlohmann::json parsed = nlohmann::json::parse(body, nullptr, false);
  if (parsed.is_object() && parsed.contains(field) && parsed[field].is_string()) {
    return parsed[field].get<std::string>();
  }
  return "";
}

std::string MessageOf(const http::HttpResponse& response) {
  if (response.status < 400) return "";
  nlohmann::json body = nlohmann::json::parse(response.body, nullptr, false);
  if (body.is_object() && body.contains("message") && body["message"].is_string()) {
    return body["message"].get<std::string>();
  }
  return "";
}

}  // namespace

bool AccessControl::ReadOnly(const http::HttpRequest& request) {
  if (request.method != "GET" && request.method != "HEAD") return false;
  // A websocket attach writes the container's stdin.
  return !absl::EndsWith(request.path, "/attach/ws");
}

std::string AccessControl::CodeFor(int status) {
  if (status < 400) return "OK";
  switch (status) {
    case 400:
      return "INVALID_ARGUMENT";
    case 413:
      return "RESOURCE_EXHAUSTED";
    case 401:
      return "UNAUTHENTICATED";
    case 403:
      return "PERMISSION_DENIED";
    case 404:
      return "NOT_FOUND";
    case 409:
      return "FAILED_PRECONDITION";
    case 501:
      return "UNIMPLEMENTED";
    default:
      return status < 500 ? "INVALID_ARGUMENT" : "INTERNAL";
  }
}

AccessControl::Caller AccessControl::Identify(const http::HttpRequest& request) const {
  berthd::PeerIdentity identity;
  identity.local = !request.remote;
  if (identity.local) {
    identity.name = "local";
  } else if (!request.peer_subject.empty()) {
    identity.name = request.peer_subject;
    for (const auto& [attribute, value] : berthd::ParseDistinguishedName(identity.name)) {
      if (attribute == "O") identity.organizations.push_back(value);
      if (attribute == "CN") identity.common_name = value;
    }
  } else {
    identity.name = "anonymous";
  }
  berthd::Role role = berthd::MapRole(identity, options_.roles);
  // TCP without TLS exists only by the explicit insecure-tcp opt-in.
  if (!identity.local && request.peer_subject.empty() && options_.insecure_tcp) {
    role = berthd::Role::kAdmin;
  }
  return {identity.name, berthd::RoleName(role)};
}

std::optional<http::HttpResponse> AccessControl::Admit(const http::HttpRequest& request) const {
  Caller caller = Identify(request);
  if (caller.role == "admin") return std::nullopt;
  if (caller.role == "viewer" && ReadOnly(request)) return std::nullopt;
  auto [method, target] = Describe(router_, request);
  // dockerd's authorization plugins' wording ("permission denied" would
  // make `docker run` exit 126, as for a command it may not execute).
  std::string message =
      caller.role == "viewer"
          ? absl::StrCat("authorization denied by berth: ", caller.identity,
                         " has role viewer, which may not call ", method)
          : absl::StrCat("authorization denied by berth: ", caller.identity, " has no role");
  BERTH_LOG(Warn) << "docker api: denied " << method << " to " << caller.identity << " ("
                  << request.peer << ")";
  if (!ReadOnly(request)) Write(request, caller, 403, message, "");
  return http::HttpResponse::Error(403, message);
}

void AccessControl::Record(const http::HttpRequest& request, const http::HttpResponse& response) const {
  if (ReadOnly(request)) return;
  int status = response.hijack ? 101 : response.status;
  std::string target = JsonField(request.body, "Name");
  if (target.empty() && response.status < 300) target = JsonField(response.body, "Id");
  Write(request, Identify(request), status, MessageOf(response), target);
}

void AccessControl::Write(const http::HttpRequest& request, const Caller& caller, int status,
                          const std::string& message, const std::string& body_target) const {
  if (audit_ == nullptr) return;
  auto [method, target] = Describe(router_, request);
  if (target.empty()) target = body_target;
  berthd::AuditRecord record;
  record.time = absl::Now();
  record.identity = caller.identity;
  record.role = caller.role;
  record.peer = request.peer;
  record.method = method;
  record.target = target;
  record.code = CodeFor(status);
  record.message = message;
  audit_->Write(record);
}

}  // namespace berth::docker
