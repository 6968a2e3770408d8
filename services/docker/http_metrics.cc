#include "services/docker/http_metrics.h"

#include <array>

namespace berth::docker {

std::string MethodLabel(const std::string& method) {
  static constexpr std::array<const char*, 7> kMethods = {"GET",    "HEAD",    "POST", "PUT",
                                                          "DELETE", "OPTIONS", "PATCH"};
  for (const char* known : kMethods) {
    if (method == known) return method;
  }
  return "other";
}

HttpMetrics::HttpMetrics(metrics::Registry& registry, const Router& router)
    : router_(router),
      requests_(registry.Counter("berth_http_requests_total",
                                 "Docker API requests answered, by method, route and status code.",
                                 {"method", "route", "code"})),
      duration_(registry.Histogram(
          "berth_http_request_duration_seconds",
          "Time from a Docker API request to its response head, by method and route.",
          {"method", "route"}, metrics::DefaultLatencyBuckets())) {}

void HttpMetrics::Observe(const http::HttpRequest& request, int status, double seconds) {
  std::optional<RouteMatch> match = router_.Find(request);
  std::string route = match ? match->pattern : "other";
  std::string method = MethodLabel(request.method);
  requests_.WithLabels({method, route, std::to_string(status)}).Increment();
  duration_.WithLabels({method, route}).Observe(seconds);
}

}  // namespace berth::docker
