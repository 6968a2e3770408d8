#ifndef BERTH_SERVICES_DOCKER_HTTP_METRICS_H_
#define BERTH_SERVICES_DOCKER_HTTP_METRICS_H_

// The Docker API's request metrics, in the service's registry (berthd
// scrapes it with the others, labelled service="dockerapi"):
//   berth_http_requests_total{method, route, code}
//   berth_http_request_duration_seconds{method, route}
// route is the matched pattern ("/containers/{id}/start"), "other" for a
// path no route has, and method one of HTTP's, "other" otherwise, so the
// series stay bounded whatever clients send.

#include <string>

#include "services/common/metrics/metric.h"
#include "services/common/metrics/registry.h"
#include "services/docker/router.h"

namespace berth::docker {

class HttpMetrics {
 public:
  // registry and router must outlive this.
  HttpMetrics(metrics::Registry& registry, const Router& router);

  // seconds: from the request to its response head (a stream or hijacked
  // connection goes on after).
  void Observe(const http::HttpRequest& request, int status, double seconds);

 private:
  const Router& router_;
  metrics::CounterFamily& requests_;
  metrics::HistogramFamily& duration_;
};

// "GET", "POST"... as they are; anything else "other".
std::string MethodLabel(const std::string& method);

}  // namespace berth::docker

#endif  // BERTH_SERVICES_DOCKER_HTTP_METRICS_H_
