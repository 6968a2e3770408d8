#include "services/common/metrics/metric.h"

#include <algorithm>
#include <limits>
#include <utility>

namespace berth::metrics {
namespace {

// std::atomic<double> has no fetch_add before C++20.
void AtomicAdd(std::atomic<double>& target, double by) {
  double current = target.load(std::memory_order_relaxed);
  while (!target.compare_exchange_weak(current, current + by, std::memory_order_relaxed)) {
  }
}

}  // namespace

std::vector<double> DefaultLatencyBuckets() {
  return {0.001, 0.0025, 0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 2.5, 5, 10};
}

void Counter::Increment(double by) {
  if (!(by >= 0)) return;
  AtomicAdd(value_, by);
}

void Gauge::Increment(double by) { AtomicAdd(value_, by); }

Histogram::Histogram(std::vector<double> bounds)
    : bounds_(std::move(bounds)), counts_(bounds_.size() + 1, 0) {}

void Histogram::Observe(double value) {
  // The first bucket whose bound is >= value (le is inclusive); NaN compares
  // false everywhere and so lands in +Inf, as in the Go client.
  size_t bucket = std::partition_point(bounds_.begin(), bounds_.end(),
                                       [value](double bound) { return !(bound >= value); }) -
                  bounds_.begin();
  absl::MutexLock lock(&mu_);
  counts_[bucket]++;
  sum_ += value;
  count_++;
}

Sample Histogram::Snapshot() const {
  Sample sample;
  sample.buckets.reserve(bounds_.size() + 1);
  absl::MutexLock lock(&mu_);
  uint64_t cumulative = 0;
  for (size_t i = 0; i < bounds_.size(); ++i) {
    cumulative += counts_[i];
    sample.buckets.emplace_back(bounds_[i], cumulative);
  }
  cumulative += counts_.back();
  sample.buckets.emplace_back(std::numeric_limits<double>::infinity(), cumulative);
  sample.sum = sum_;
  sample.count = count_;
  return sample;
}

}  // namespace berth::metrics
