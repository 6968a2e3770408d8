#ifndef BERTH_SERVICES_COMMON_METRICS_EXPOSITION_H_
#define BERTH_SERVICES_COMMON_METRICS_EXPOSITION_H_

// The Prometheus text exposition format, version 0.0.4.

#include <string>
#include <vector>

#include "services/common/metrics/model.h"

namespace berth::metrics {

inline constexpr char kTextContentType[] = "text/plain; version=0.0.4; charset=utf-8";

std::string RenderText(const std::vector<MetricFamily>& families);

// A sample value as Prometheus writes it: integers without exponent, +Inf,
// -Inf, NaN, otherwise the shortest representation that reads back exactly.
std::string FormatValue(double value);

}  // namespace berth::metrics

#endif  // BERTH_SERVICES_COMMON_METRICS_EXPOSITION_H_
