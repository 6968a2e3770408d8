#include "services/common/metrics/registry.h"

#include <algorithm>
#include <cstdio>
#include <cstdlib>
#include <limits>

namespace berth::metrics {
namespace {

[[noreturn]] void Die(const std::string& message) {
  std::fprintf(stderr, "metrics: %s\n", message.c_str());
  std::abort();
}

bool IsNameChar(char c, bool first, bool allow_colon) {
  if ((c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') || c == '_') return true;
  if (allow_colon && c == ':') return true;
  return !first && c >= '0' && c <= '9';
}

void AtomicAdd(std::atomic<double>& target, double by) {
  double current = target.load(std::memory_order_relaxed);
  while (!target.compare_exchange_weak(current, current + by, std::memory_order_relaxed)) {
  }
}

}  // namespace

bool IsValidMetricName(std::string_view name) {
  if (name.empty()) return false;
  for (size_t i = 0; i < name.size(); ++i) {
    if (!IsNameChar(name[i], i == 0, /*allow_colon=*/true)) return false;
  }
  return true;
}

bool IsValidLabelName(std::string_view name) {
  if (name.empty() || name.substr(0, 2) == "__") return false;
  for (size_t i = 0; i < name.size(); ++i) {
    if (!IsNameChar(name[i], i == 0, /*allow_colon=*/false)) return false;
  }
  return true;
}

std::vector<double> DefaultLatencyBuckets() {
  return {0.001, 0.0025, 0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 2.5, 5, 10};
}

void Counter::Increment(double by) {
  if (by < 0) return;
  AtomicAdd(value_, by);
}

void Gauge::Increment(double by) { AtomicAdd(value_, by); }

Histogram::Histogram(std::vector<double> bounds) : bounds_(std::move(bounds)) {
  absl::MutexLock lock(&mu_);
  counts_.assign(bounds_.size() + 1, 0);
}

void Histogram::Observe(double value) {
  size_t bucket = std::lower_bound(bounds_.begin(), bounds_.end(), value) - bounds_.begin();
  absl::MutexLock lock(&mu_);
  counts_[bucket]++;
  sum_ += value;
  count_++;
}

Sample Histogram::Snapshot() const {
  Sample sample;
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

template <typename Child>
Child& Family<Child>::WithLabels(const std::vector<std::string>& values) {
  if (values.size() != label_names_.size()) {
    Die(name_ + ": wrong number of label values");
  }
  absl::MutexLock lock(&mu_);
  std::unique_ptr<Child>& child = children_[values];
  if (child == nullptr) child = make_();
  return *child;
}

template <typename Child>
void Family<Child>::Remove(const std::vector<std::string>& values) {
  absl::MutexLock lock(&mu_);
  children_.erase(values);
}

template <typename Child>
MetricFamily Family<Child>::Collect() const {
  MetricFamily family{name_, help_, type_, {}};
  absl::MutexLock lock(&mu_);
  for (const auto& [values, child] : children_) {
    Sample sample;
    if constexpr (std::is_same_v<Child, Histogram>) {
      sample = child->Snapshot();
    } else {
      sample.value = child->Value();
    }
    for (size_t i = 0; i < values.size(); ++i) sample.labels.emplace_back(label_names_[i], values[i]);
    family.samples.push_back(std::move(sample));
  }
  return family;
}

template class Family<Counter>;
template class Family<Gauge>;
template class Family<Histogram>;

Registry& Registry::Default() {
  static Registry* registry = new Registry();
  return *registry;
}

void Registry::CheckNew(const std::string& name, MetricType type,
                        const std::vector<std::string>& labels) const {
  if (!IsValidMetricName(name)) Die("invalid metric name \"" + name + "\"");
  for (const std::string& label : labels) {
    if (!IsValidLabelName(label)) Die(name + ": invalid label name \"" + label + "\"");
  }
  bool taken = (type != MetricType::kCounter && counters_.count(name)) ||
               (type != MetricType::kGauge && gauges_.count(name)) ||
               (type != MetricType::kHistogram && histograms_.count(name));
  if (taken) Die(name + " is already registered with another type");
}

namespace {

template <typename FamilyT>
FamilyT& Existing(FamilyT& family, const std::vector<std::string>& labels) {
  if (family.label_names() != labels) {
    Die(family.name() + " is already registered with other labels");
  }
  return family;
}

}  // namespace

CounterFamily& Registry::Counter(const std::string& name, const std::string& help,
                                 const std::vector<std::string>& labels) {
  absl::MutexLock lock(&mu_);
  auto it = counters_.find(name);
  if (it != counters_.end()) return Existing(*it->second, labels);
  CheckNew(name, MetricType::kCounter, labels);
  auto& family = counters_[name];
  family = std::make_unique<CounterFamily>(name, help, MetricType::kCounter, labels,
                                           [] { return std::make_unique<metrics::Counter>(); });
  return *family;
}

GaugeFamily& Registry::Gauge(const std::string& name, const std::string& help,
                             const std::vector<std::string>& labels) {
  absl::MutexLock lock(&mu_);
  auto it = gauges_.find(name);
  if (it != gauges_.end()) return Existing(*it->second, labels);
  CheckNew(name, MetricType::kGauge, labels);
  auto& family = gauges_[name];
  family = std::make_unique<GaugeFamily>(name, help, MetricType::kGauge, labels,
                                         [] { return std::make_unique<metrics::Gauge>(); });
  return *family;
}

HistogramFamily& Registry::Histogram(const std::string& name, const std::string& help,
                                     const std::vector<std::string>& labels,
                                     const std::vector<double>& bounds) {
  absl::MutexLock lock(&mu_);
  auto it = histograms_.find(name);
  if (it != histograms_.end()) return Existing(*it->second, labels);
  CheckNew(name, MetricType::kHistogram, labels);
  for (const std::string& label : labels) {
    if (label == "le") Die(name + ": a histogram may not have a label named le");
  }
  if (!std::is_sorted(bounds.begin(), bounds.end())) Die(name + ": bucket bounds not sorted");
  auto& family = histograms_[name];
  family = std::make_unique<HistogramFamily>(
      name, help, MetricType::kHistogram, labels,
      [bounds] { return std::make_unique<metrics::Histogram>(bounds); });
  return *family;
}

int Registry::AddCollector(Collector collector) {
  absl::MutexLock lock(&mu_);
  int id = next_collector_++;
  collectors_[id] = std::move(collector);
  return id;
}

void Registry::RemoveCollector(int id) {
  absl::MutexLock lock(&mu_);
  collectors_.erase(id);
}

std::vector<MetricFamily> Registry::Collect() const {
  std::vector<MetricFamily> own;
  std::vector<Collector> collectors;
  {
    absl::MutexLock lock(&mu_);
    for (const auto& [name, family] : counters_) own.push_back(family->Collect());
    for (const auto& [name, family] : gauges_) own.push_back(family->Collect());
    for (const auto& [name, family] : histograms_) own.push_back(family->Collect());
    for (const auto& [id, collector] : collectors_) collectors.push_back(collector);
  }
  // Collectors run without the registry lock: they may take their own.
  std::vector<MetricFamily> collected;
  for (const Collector& collector : collectors) collector(&collected);
  return MergeFamilies({std::move(own), std::move(collected)});
}

std::vector<MetricFamily> MergeFamilies(std::vector<std::vector<MetricFamily>> sources) {
  std::map<std::string, MetricFamily> merged;
  for (auto& source : sources) {
    for (MetricFamily& family : source) {
      auto it = merged.find(family.name);
      if (it == merged.end()) {
        merged.emplace(family.name, std::move(family));
        continue;
      }
      if (it->second.type != family.type) continue;
      for (Sample& sample : family.samples) it->second.samples.push_back(std::move(sample));
    }
  }
  std::vector<MetricFamily> result;
  for (auto& [name, family] : merged) result.push_back(std::move(family));
  return result;
}

void AddLabel(std::vector<MetricFamily>* families, const std::string& name,
              const std::string& value) {
  for (MetricFamily& family : *families) {
    for (Sample& sample : family.samples) {
      bool present = std::any_of(sample.labels.begin(), sample.labels.end(),
                                 [&](const auto& label) { return label.first == name; });
      if (!present) sample.labels.insert(sample.labels.begin(), {name, value});
    }
  }
}

}  // namespace berth::metrics
