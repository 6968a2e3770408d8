#ifndef BERTH_SERVICES_COMMON_METRICS_REGISTRY_H_
#define BERTH_SERVICES_COMMON_METRICS_REGISTRY_H_

// A small metrics registry in the manner of prometheus-cpp (which Debian
// does not package): families of counters, gauges and histograms keyed by
// label values, plus collectors that compute metrics at scrape time.

#include <atomic>
#include <functional>
#include <map>
#include <memory>
#include <string>
#include <string_view>
#include <vector>

#include "absl/synchronization/mutex.h"
#include "services/common/metrics/model.h"

namespace berth::metrics {

bool IsValidMetricName(std::string_view name);
bool IsValidLabelName(std::string_view name);

// Prometheus-like latency buckets, 1 ms to 10 s.
std::vector<double> DefaultLatencyBuckets();

class Counter {
 public:
  // Negative increments are ignored: a counter only goes up.
  void Increment(double by = 1);
  double Value() const { return value_.load(std::memory_order_relaxed); }

 private:
  std::atomic<double> value_{0};
};

class Gauge {
 public:
  void Set(double value) { value_.store(value, std::memory_order_relaxed); }
  void Increment(double by = 1);
  void Decrement(double by = 1) { Increment(-by); }
  double Value() const { return value_.load(std::memory_order_relaxed); }

 private:
  std::atomic<double> value_{0};
};

class Histogram {
 public:
  explicit Histogram(std::vector<double> bounds);
  void Observe(double value);
  // Cumulative buckets ending with +Inf, sum and count, taken consistently.
  Sample Snapshot() const;

 private:
  const std::vector<double> bounds_;
  mutable absl::Mutex mu_;
  std::vector<uint64_t> counts_ ABSL_GUARDED_BY(mu_);
  double sum_ ABSL_GUARDED_BY(mu_) = 0;
  uint64_t count_ ABSL_GUARDED_BY(mu_) = 0;
};

// One metric name with its children, one per combination of label values.
template <typename Child>
class Family {
 public:
  Family(std::string name, std::string help, MetricType type, std::vector<std::string> labels,
         std::function<std::unique_ptr<Child>()> make)
      : name_(std::move(name)), help_(std::move(help)), type_(type),
        label_names_(std::move(labels)), make_(std::move(make)) {}

  // The child for these label values (created on first use); the reference
  // stays valid until Remove. Aborts if the number of values is wrong.
  Child& WithLabels(const std::vector<std::string>& values);
  // Drops a series, e.g. when a container is removed.
  void Remove(const std::vector<std::string>& values);

  const std::string& name() const { return name_; }
  MetricType type() const { return type_; }
  const std::vector<std::string>& label_names() const { return label_names_; }
  MetricFamily Collect() const;

 private:
  const std::string name_;
  const std::string help_;
  const MetricType type_;
  const std::vector<std::string> label_names_;
  const std::function<std::unique_ptr<Child>()> make_;
  mutable absl::Mutex mu_;
  std::map<std::vector<std::string>, std::unique_ptr<Child>> children_ ABSL_GUARDED_BY(mu_);
};

using CounterFamily = Family<Counter>;
using GaugeFamily = Family<Gauge>;
using HistogramFamily = Family<Histogram>;

class Registry {
 public:
  using Collector = std::function<void(std::vector<MetricFamily>*)>;

  Registry() = default;
  Registry(const Registry&) = delete;
  Registry& operator=(const Registry&) = delete;

  // The process-wide registry.
  static Registry& Default();

  // Asking again for a name returns the same family; asking for it with
  // another type or other labels is a programming error and aborts.
  CounterFamily& Counter(const std::string& name, const std::string& help,
                         const std::vector<std::string>& labels);
  GaugeFamily& Gauge(const std::string& name, const std::string& help,
                     const std::vector<std::string>& labels);
  HistogramFamily& Histogram(const std::string& name, const std::string& help,
                             const std::vector<std::string>& labels,
                             const std::vector<double>& bounds);

  int AddCollector(Collector collector);
  void RemoveCollector(int id);

  // Every family, sorted by name, with collectors' families merged in.
  std::vector<MetricFamily> Collect() const;

 private:
  void CheckNew(const std::string& name, MetricType type,
                const std::vector<std::string>& labels) const ABSL_EXCLUSIVE_LOCKS_REQUIRED(mu_);

  mutable absl::Mutex mu_;
  std::map<std::string, std::unique_ptr<CounterFamily>> counters_ ABSL_GUARDED_BY(mu_);
  std::map<std::string, std::unique_ptr<GaugeFamily>> gauges_ ABSL_GUARDED_BY(mu_);
  std::map<std::string, std::unique_ptr<HistogramFamily>> histograms_ ABSL_GUARDED_BY(mu_);
  std::map<int, Collector> collectors_ ABSL_GUARDED_BY(mu_);
  int next_collector_ ABSL_GUARDED_BY(mu_) = 0;
};

// Merges families with the same name from several sources into one (HELP
// and TYPE once); a source whose type disagrees with the first loses its
// samples of that family.
std::vector<MetricFamily> MergeFamilies(std::vector<std::vector<MetricFamily>> sources);

// Prepends name=value to every sample that does not already have that label.
void AddLabel(std::vector<MetricFamily>* families, const std::string& name,
              const std::string& value);

}  // namespace berth::metrics

#endif  // BERTH_SERVICES_COMMON_METRICS_REGISTRY_H_
