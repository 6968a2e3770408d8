#ifndef BERTH_SERVICES_COMMON_METRICS_MODEL_H_
#define BERTH_SERVICES_COMMON_METRICS_MODEL_H_

// The Prometheus data model as plain values: what a registry collects, what
// services send berthd, and what the text exposition renders.

#include <cstdint>
#include <string>
#include <utility>
#include <vector>

namespace berth::metrics {

enum class MetricType { kCounter, kGauge, kHistogram };

// Label name/value pairs in the order they are rendered.
using Labels = std::vector<std::pair<std::string, std::string>>;

struct Sample {
  Labels labels;
  // Counter or gauge value.
  double value = 0;
  // Histograms: (upper bound, cumulative count); the last bound is +Inf.
  std::vector<std::pair<double, uint64_t>> buckets;
  double sum = 0;
  uint64_t count = 0;
};

// "counter", "gauge", "histogram": the names of the text exposition format.
const char* TypeName(MetricType type);

struct MetricFamily {
  std::string name;
  std::string help;
  MetricType type = MetricType::kGauge;
  std::vector<Sample> samples;
};

}  // namespace berth::metrics

#endif  // BERTH_SERVICES_COMMON_METRICS_MODEL_H_
