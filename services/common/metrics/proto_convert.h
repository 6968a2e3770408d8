#ifndef BERTH_SERVICES_COMMON_METRICS_PROTO_CONVERT_H_
#define BERTH_SERVICES_COMMON_METRICS_PROTO_CONVERT_H_

// Metric families on the wire between a service and berthd.

#include <vector>

#include "berth/metrics/v1/metrics.pb.h"
#include "services/common/metrics/model.h"

namespace berth::metrics {

berth::metrics::v1::ScrapeResponse ToProto(const std::vector<MetricFamily>& families);

// Families that fail ValidateFamily (or have no type) are left out: one
// service's bad name must not make Prometheus reject berthd's whole target.
std::vector<MetricFamily> FromProto(const berth::metrics::v1::ScrapeResponse& response);

}  // namespace berth::metrics

#endif  // BERTH_SERVICES_COMMON_METRICS_PROTO_CONVERT_H_
