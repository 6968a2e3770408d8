#ifndef BERTH_SERVICES_COMMON_METRICS_METRIC_H_
#define BERTH_SERVICES_COMMON_METRICS_METRIC_H_

// One time series each: a counter, a gauge or a histogram. Updates are
// cheap because they happen on every request; reading happens at scrape.

#include <atomic>
#include <cstdint>
#include <vector>

#include "absl/base/thread_annotations.h"
#include "absl/synchronization/mutex.h"
#include "services/common/metrics/model.h"

namespace berth::metrics {

// Prometheus-like latency buckets, 1 ms to 10 s (seconds).
std::vector<double> DefaultLatencyBuckets();

class Counter {
 public:
  static constexpr MetricType kType = MetricType::kCounter;

  // A counter only goes up: negative (and NaN) increments are ignored.
  void Increment(double by = 1);
  double Value() const { return value_.load(std::memory_order_relaxed); }

 private:
  std::atomic<double> value_{0};
};

class Gauge {
 public:
  static constexpr MetricType kType = MetricType::kGauge;

  void Set(double value) { value_.store(value, std::memory_order_relaxed); }
  void Increment(double by = 1);
  void Decrement(double by = 1) { Increment(-by); }
  double Value() const { return value_.load(std::memory_order_relaxed); }

 private:
  std::atomic<double> value_{0};
};

class Histogram {
 public:
  static constexpr MetricType kType = MetricType::kHistogram;

  // bounds: finite, strictly increasing upper bounds; +Inf is implicit.
  explicit Histogram(std::vector<double> bounds);
  void Observe(double value);
  // Cumulative buckets ending with +Inf, sum and count, from one instant
  // (a per-histogram lock keeps them consistent with each other).
  Sample Snapshot() const;

 private:
  const std::vector<double> bounds_;
  mutable absl::Mutex mu_;
  std::vector<uint64_t> counts_ ABSL_GUARDED_BY(mu_);  // Per bucket, +Inf last.
  double sum_ ABSL_GUARDED_BY(mu_) = 0;
  uint64_t count_ ABSL_GUARDED_BY(mu_) = 0;
};

}  // namespace berth::metrics

#endif  // BERTH_SERVICES_COMMON_METRICS_METRIC_H_
