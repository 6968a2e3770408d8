#ifndef BERTH_SERVICES_COMMON_METRICS_REGISTRY_H_
#define BERTH_SERVICES_COMMON_METRICS_REGISTRY_H_

// A small metrics registry in the manner of prometheus-cpp (which Debian
// does not package): families of counters, gauges and histograms keyed by
// label values, plus collectors that compute metrics at scrape time.
//
// Registering is a programming decision, so mistakes (an invalid name, the
// same name with another type, labels or buckets) abort with a message
// rather than return a status nobody could act on.

#include <functional>
#include <map>
#include <memory>
#include <string>
#include <vector>

#include "absl/base/thread_annotations.h"
#include "absl/synchronization/mutex.h"
// Collect's output is meant for MergeFamilies and AddLabel.
#include "services/common/metrics/merge.h"
#include "services/common/metrics/metric.h"
#include "services/common/metrics/model.h"
#include "services/common/metrics/validation.h"

namespace berth::metrics {

// What every family shares, so the registry can hold them in one map.
class FamilyBase {
 public:
  virtual ~FamilyBase() = default;
  FamilyBase(const FamilyBase&) = delete;
  FamilyBase& operator=(const FamilyBase&) = delete;

  const std::string& name() const { return name_; }
  const std::string& help() const { return help_; }
  const std::vector<std::string>& label_names() const { return label_names_; }
  virtual MetricType type() const = 0;
  // Every child as a sample, ordered by label values.
  virtual MetricFamily Collect() const = 0;

 protected:
  FamilyBase(std::string name, std::string help, std::vector<std::string> label_names)
      : name_(std::move(name)), help_(std::move(help)), label_names_(std::move(label_names)) {}
  // Aborts unless there is one value per label name.
  void CheckValues(const std::vector<std::string>& values) const;
  Labels ToLabels(const std::vector<std::string>& values) const;

 private:
  const std::string name_;
  const std::string help_;
  const std::vector<std::string> label_names_;
};

// One metric name with its children, one per combination of label values.
template <typename Child>
class Family final : public FamilyBase {
 public:
  // The child for these label values, created on first use. The reference
  // stays valid until Remove of the same values.
  Child& WithLabels(const std::vector<std::string>& values);
  // Drops a series, e.g. when its container is removed, so that it vanishes
  // from the next scrape instead of reporting a stale value forever.
  void Remove(const std::vector<std::string>& values);

  MetricType type() const override { return Child::kType; }
  // Histograms only: the finite bucket bounds.
  const std::vector<double>& bounds() const { return bounds_; }
  MetricFamily Collect() const override;

 private:
  friend class Registry;
  Family(std::string name, std::string help, std::vector<std::string> label_names,
         std::vector<double> bounds)
      : FamilyBase(std::move(name), std::move(help), std::move(label_names)),
        bounds_(std::move(bounds)) {}

  const std::vector<double> bounds_;
  mutable absl::Mutex mu_;
  std::map<std::vector<std::string>, std::unique_ptr<Child>> children_ ABSL_GUARDED_BY(mu_);
};

using CounterFamily = Family<Counter>;
using GaugeFamily = Family<Gauge>;
using HistogramFamily = Family<Histogram>;

extern template class Family<Counter>;
extern template class Family<Gauge>;
extern template class Family<Histogram>;

class Registry {
 public:
  // Appends families computed at scrape time (service states, per-container
  // stats) to *out.
  using Collector = std::function<void(std::vector<MetricFamily>* out)>;

  Registry() = default;
  Registry(const Registry&) = delete;
  Registry& operator=(const Registry&) = delete;

  // The process-wide registry (never destroyed, so usable during exit).
  static Registry& Default();

  // Asking again with the same name, type and label names (and buckets)
  // returns the same family, so independent code can share it; the first
  // help text wins. Families live as long as the registry.
  CounterFamily& Counter(const std::string& name, const std::string& help,
                         std::vector<std::string> label_names);
  GaugeFamily& Gauge(const std::string& name, const std::string& help,
                     std::vector<std::string> label_names);
  // bucket_bounds: strictly increasing; a trailing +Inf may be given or not.
  HistogramFamily& Histogram(const std::string& name, const std::string& help,
                             std::vector<std::string> label_names,
                             std::vector<double> bucket_bounds);

  int AddCollector(Collector collector);
  // Once this returns the collector is not running and never runs again, so
  // whatever it captured may be destroyed. Not to be called from a collector.
  void RemoveCollector(int id);

  // Every family, collectors' included, sorted by name; samples in a stable
  // order. Collectors' families join registered ones of the same name.
  std::vector<MetricFamily> Collect() const;

 private:
  template <typename Child>
  Family<Child>& GetOrCreate(const std::string& name, const std::string& help,
                             std::vector<std::string> label_names, std::vector<double> bounds);

  mutable absl::Mutex mu_;
  std::map<std::string, std::unique_ptr<FamilyBase>> families_ ABSL_GUARDED_BY(mu_);
  std::map<int, Collector> collectors_ ABSL_GUARDED_BY(mu_);
  int next_collector_id_ ABSL_GUARDED_BY(mu_) = 1;
  // Held shared while collectors run, so that RemoveCollector can wait for
  // a scrape that still uses the collector it removes.
  mutable absl::Mutex running_mu_;
};

}  // namespace berth::metrics

#endif  // BERTH_SERVICES_COMMON_METRICS_REGISTRY_H_
