#ifndef BERTH_SERVICES_DOCKER_ROUTER_H_
#define BERTH_SERVICES_DOCKER_ROUTER_H_

// Docker Engine API routing: the /vX.Y prefix (checked against the versions
// served, as dockerd does), then METHOD + path pattern. "{x}" matches one
// path segment; "{x*}" one or more (image names hold slashes:
// /images/localhost:5000/a/b/json).

#include <functional>
#include <optional>
#include <string>
#include <vector>

#include "services/common/http/http_server.h"

namespace berth::docker {

// The API versions served: the newest is advertised (Api-Version), the
// oldest is dockerd's MinAPIVersion.
inline constexpr char kMaxApiVersion[] = "1.45";
inline constexpr char kMinApiVersion[] = "1.24";

// -1, 0, 1 as a < b for "1.41"-style versions.
int CompareApiVersions(const std::string& a, const std::string& b);

struct ApiRequest {
  const http::HttpRequest& http;
  std::vector<std::string> params;
  // The client's version (the prefix), or the newest for unprefixed paths.
  std::string version;

  const std::string& param(size_t i) const { return params.at(i); }
};

using RouteHandler = std::function<http::HttpResponse(const ApiRequest&)>;

// The route a request goes to: its pattern ("/containers/{id}/start") and
// the values of its parameters.
struct RouteMatch {
  std::string pattern;
  std::vector<std::string> params;
};

class Router {
 public:
  void Add(const std::string& method, const std::string& pattern, RouteHandler handler);
  http::HttpResponse Dispatch(const http::HttpRequest& request) const;

  // The route of a request (none for an unknown path or method).
  std::optional<RouteMatch> Find(const http::HttpRequest& request) const;
  // The handler of METHOD pattern reads its body as it arrives
  // (http::HttpRequest::ReadBody) instead of having it held whole.
  void StreamBody(const std::string& method, const std::string& pattern);
  bool StreamsBody(const http::HttpRequest& request) const;

 private:
  struct Route {
    std::string method;
    std::vector<std::string> segments;
    RouteHandler handler;
    std::string pattern;
    bool streams_body = false;
  };
  // The route for a request and its parameters; nullptr when none.
  const Route* Lookup(const http::HttpRequest& request, std::vector<std::string>* params) const;
  static bool Match(const Route& route, const std::vector<std::string>& segments,
                    std::vector<std::string>* params);
  std::vector<Route> routes_;
};

}  // namespace berth::docker

#endif  // BERTH_SERVICES_DOCKER_ROUTER_H_
