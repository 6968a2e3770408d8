#ifndef BERTH_SERVICES_DOCKER_ROUTES_H_
#define BERTH_SERVICES_DOCKER_ROUTES_H_

// The Docker Engine API's endpoints, one file per kind of object, each
// translating to the services' gRPC APIs.

#include <optional>
#include <string>

#include "google/protobuf/timestamp.pb.h"
#include "nlohmann/json.hpp"
#include "services/docker/backends.h"
#include "services/docker/router.h"

namespace berth::docker {

// An endpoint of (backends, request) as a route's handler.
using BackendHandler = http::HttpResponse (*)(const Backends&, const ApiRequest&);
inline RouteHandler Bind(const Backends& backends, BackendHandler handler) {
  return [&backends, handler](const ApiRequest& request) { return handler(backends, request); };
}

void AddSystemRoutes(Router& router, const Backends& backends);
void AddContainerRoutes(Router& router, const Backends& backends);
void AddContainerChangeRoutes(Router& router, const Backends& backends);
void AddStreamRoutes(Router& router, const Backends& backends);
void AddExecRoutes(Router& router, const Backends& backends);
void AddImageRoutes(Router& router, const Backends& backends);
void AddVolumeRoutes(Router& router, const Backends& backends);
void AddNetworkRoutes(Router& router, const Backends& backends);
void AddSystemStreamRoutes(Router& router, const Backends& backends);
void AddTransferRoutes(Router& router, const Backends& backends);
void AddBuildRoutes(Router& router, const Backends& backends);

// The request's JSON body: nullopt with *error set (400, dockerd's texts)
// when it is not JSON or not an object. An empty body is an empty object.
std::optional<nlohmann::json> JsonBody(const ApiRequest& request, http::HttpResponse* error);

// docker's filters parameter ({"key":{"value":true}} or, from old clients,
// {"key":["value"]}); nullopt with *error set when malformed.
using Filters = std::map<std::string, std::vector<std::string>>;
std::optional<Filters> ParseFilters(const ApiRequest& request, http::HttpResponse* error);

http::HttpResponse JsonResponse(int status, const nlohmann::json& body);

// since= and until= of logs and events: Unix seconds with an optional
// fraction, as the CLI sends them (docker's other forms too); false when
// the text is not a time.
bool ParseApiTime(const std::string& text, google::protobuf::Timestamp* out);

// X-Registry-Auth (base64url JSON of docker's AuthConfig) of a pull or a
// push; *auth is left empty when there is none or it cannot be read.
void ReadRegistryAuth(const http::HttpRequest& request, berth::images::v1::RegistryAuth* auth);
// docker's AuthConfig JSON (username, password, identitytoken,
// registrytoken, serveraddress); anything else leaves auth as it is.
void RegistryAuthFromJson(const nlohmann::json& config, berth::images::v1::RegistryAuth* auth);

// POST .../resize?h=&w= for a container (exec_id empty) or an exec.
http::HttpResponse ResizeProcess(const Backends& backends, const std::string& id,
                           const std::string& exec_id, const ApiRequest& request);

}  // namespace berth::docker

#endif  // BERTH_SERVICES_DOCKER_ROUTES_H_
