#ifndef BERTH_SERVICES_COMMON_METRICS_SCRAPE_SERVICE_H_
#define BERTH_SERVICES_COMMON_METRICS_SCRAPE_SERVICE_H_

// berth.metrics.v1.Metrics on each service's socket: berthd collects every
// service's registry through it for its one Prometheus target.

#include <grpcpp/server_context.h>
#include <grpcpp/support/status.h>

#include "berth/metrics/v1/metrics.grpc.pb.h"
#include "services/common/metrics/registry.h"

namespace berth::metrics {

class ScrapeService final : public berth::metrics::v1::Metrics::Service {
 public:
  // registry must outlive the service.
  explicit ScrapeService(Registry& registry) : registry_(registry) {}

  grpc::Status Scrape(grpc::ServerContext* context,
                      const berth::metrics::v1::ScrapeRequest* request,
                      berth::metrics::v1::ScrapeResponse* response) override;

 private:
  Registry& registry_;
};

}  // namespace berth::metrics

#endif  // BERTH_SERVICES_COMMON_METRICS_SCRAPE_SERVICE_H_
