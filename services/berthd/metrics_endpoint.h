#ifndef BERTH_SERVICES_BERTHD_METRICS_ENDPOINT_H_
#define BERTH_SERVICES_BERTHD_METRICS_ENDPOINT_H_

// berthd's Prometheus target: GET /metrics on --metrics-addr (civetweb)
// serves berthd's own metrics and each service's, labelled by service, so one
// scrape config covers the whole platform.

#include <functional>
#include <memory>
#include <string>

#include "absl/status/statusor.h"
#include "services/berthd/backends.h"
#include "services/berthd/supervisor.h"
#include "services/common/metrics/registry.h"

struct mg_context;

namespace berth::berthd {

class MetricsEndpoint {
 public:
  // addr is host:port; "[::1]:9323" for IPv6.
  static absl::StatusOr<std::unique_ptr<MetricsEndpoint>> Start(
      const std::string& addr, std::function<std::string()> render);
  ~MetricsEndpoint();
  MetricsEndpoint(const MetricsEndpoint&) = delete;
  MetricsEndpoint& operator=(const MetricsEndpoint&) = delete;

  std::string Render() const { return render_(); }

 private:
  explicit MetricsEndpoint(std::function<std::string()> render) : render_(std::move(render)) {}
  std::function<std::string()> render_;
  mg_context* context_ = nullptr;
};

// Scrapes every running service over its socket and merges the result with
// berthd's own registry into one text exposition.
std::string GatherMetrics(const Supervisor& supervisor, const Backends& backends,
                          metrics::Registry& own);

}  // namespace berth::berthd

#endif  // BERTH_SERVICES_BERTHD_METRICS_ENDPOINT_H_
