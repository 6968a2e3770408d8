#ifndef BERTH_SERVICES_COMMON_METRICS_EXPOSITION_H_
#define BERTH_SERVICES_COMMON_METRICS_EXPOSITION_H_

// The Prometheus text exposition format, version 0.0.4.

#include <string>
#include <vector>

#include "services/common/metrics/model.h"

namespace berth::metrics {

// The Content-Type of a RenderText body.
inline constexpr char kTextContentType[] = "text/plain; version=0.0.4; charset=utf-8";

// "# HELP" (omitted when empty) and "# TYPE" lines, then one line per
// series; a histogram sample becomes _bucket lines (ending le="+Inf", added
// if the sample lacks it), _sum and _count.
std::string RenderText(const std::vector<MetricFamily>& families);

// A value as Prometheus reads it: integers without exponent or fraction,
// "+Inf", "-Inf", "NaN", otherwise the shortest text that reads back exactly.
std::string FormatValue(double value);

}  // namespace berth::metrics

#endif  // BERTH_SERVICES_COMMON_METRICS_EXPOSITION_H_
