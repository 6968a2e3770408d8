#ifndef BERTH_SERVICES_COMMON_METRICS_VALIDATION_H_
#define BERTH_SERVICES_COMMON_METRICS_VALIDATION_H_

// Names and families as the Prometheus data model allows them. One bad name
// would make Prometheus reject the whole scrape, so the registry refuses
// them and berthd drops families from services that fail ValidateFamily.

#include <string_view>

#include "absl/status/status.h"
#include "services/common/metrics/model.h"

namespace berth::metrics {

// [a-zA-Z_:][a-zA-Z0-9_:]*
bool IsValidMetricName(std::string_view name);

// [a-zA-Z_][a-zA-Z0-9_]*, not starting with "__" (reserved for Prometheus).
bool IsValidLabelName(std::string_view name);

// Checks the names, that no sample repeats a label name, and for histograms
// that no label is called "le" and buckets have increasing bounds and
// non-decreasing counts. InvalidArgument says what is wrong.
absl::Status ValidateFamily(const MetricFamily& family);

}  // namespace berth::metrics

#endif  // BERTH_SERVICES_COMMON_METRICS_VALIDATION_H_
