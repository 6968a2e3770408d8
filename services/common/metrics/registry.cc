#include "services/common/metrics/registry.h"

#include <cmath>
#include <cstdio>
#include <cstdlib>
#include <set>
#include <type_traits>
#include <utility>

#include "absl/strings/str_cat.h"
#include "absl/strings/str_join.h"

namespace berth::metrics {
namespace {

[[noreturn]] void Die(const std::string& message) {
  std::fprintf(stderr, "metrics: %s\n", message.c_str());
  std::abort();
}


void CheckNames(const std::string& name, const std::vector<std::string>& label_names,
                MetricType type) {
  if (!IsValidMetricName(name)) Die("invalid metric name \"" + name + "\"");
  std::set<std::string> seen;
  for (const std::string& label : label_names) {
    if (!IsValidLabelName(label)) Die(name + ": invalid label name \"" + label + "\"");
    if (!seen.insert(label).second) Die(name + ": label \"" + label + "\" given twice");
    if (type == MetricType::kHistogram && label == "le") {
      Die(name + ": a histogram may not have a label named le");
    }
  }
}

// +Inf is always the last bucket, so a caller's own +Inf is dropped rather
// than rendered twice.
std::vector<double> NormalizeBounds(const std::string& name, std::vector<double> bounds) {
  if (!bounds.empty() && std::isinf(bounds.back()) && bounds.back() > 0) bounds.pop_back();
  for (size_t i = 0; i < bounds.size(); ++i) {
    if (!std::isfinite(bounds[i]) || (i > 0 && bounds[i - 1] >= bounds[i])) {
      Die(name + ": bucket bounds must be finite and strictly increasing");
    }
  }
  return bounds;
}

}  // namespace

void FamilyBase::CheckValues(const std::vector<std::string>& values) const {
  if (values.size() != label_names_.size()) {
    Die(absl::StrCat(name_, ": ", values.size(), " label values for ", label_names_.size(),
                     " labels (", absl::StrJoin(label_names_, ", "), ")"));
  }
}

Labels FamilyBase::ToLabels(const std::vector<std::string>& values) const {
  Labels labels;
  labels.reserve(values.size());
  for (size_t i = 0; i < values.size(); ++i) labels.emplace_back(label_names_[i], values[i]);
  return labels;
}

template <typename Child>
Child& Family<Child>::WithLabels(const std::vector<std::string>& values) {
  CheckValues(values);
  absl::MutexLock lock(&mu_);
  std::unique_ptr<Child>& child = children_[values];
  if (child == nullptr) {
    if constexpr (std::is_same_v<Child, Histogram>) {
      child = std::make_unique<Child>(bounds_);
    } else {
      child = std::make_unique<Child>();
    }
  }
  return *child;
}

template <typename Child>
void Family<Child>::Remove(const std::vector<std::string>& values) {
  absl::MutexLock lock(&mu_);
  children_.erase(values);
}

template <typename Child>
MetricFamily Family<Child>::Collect() const {
  MetricFamily family{name(), help(), type(), {}};
  absl::MutexLock lock(&mu_);
  family.samples.reserve(children_.size());
  for (const auto& [values, child] : children_) {
    Sample sample;
    if constexpr (std::is_same_v<Child, Histogram>) {
      sample = child->Snapshot();
    } else {
      sample.value = child->Value();
    }
    sample.labels = ToLabels(values);
    family.samples.push_back(std::move(sample));
  }
  return family;
}

template class Family<Counter>;
template class Family<Gauge>;
template class Family<Histogram>;

Registry& Registry::Default() {
  static Registry* const registry = new Registry();
  return *registry;
}

template <typename Child>
Family<Child>& Registry::GetOrCreate(const std::string& name, const std::string& help,
                                     std::vector<std::string> label_names,
                                     std::vector<double> bounds) {
  absl::MutexLock lock(&mu_);
  std::unique_ptr<FamilyBase>& slot = families_[name];
  if (slot == nullptr) {
    CheckNames(name, label_names, Child::kType);
    slot.reset(new Family<Child>(name, help, std::move(label_names), std::move(bounds)));
    return static_cast<Family<Child>&>(*slot);
  }
  if (slot->type() != Child::kType) {
    Die(absl::StrCat(name, " is already registered as a ", TypeName(slot->type()), ", not a ",
                     TypeName(Child::kType)));
  }
  auto& family = static_cast<Family<Child>&>(*slot);
  if (family.label_names() != label_names) {
    Die(absl::StrCat(name, " is already registered with other labels (",
                     absl::StrJoin(family.label_names(), ", "), ")"));
  }
  if (family.bounds() != bounds) Die(name + " is already registered with other buckets");
  return family;
}

CounterFamily& Registry::Counter(const std::string& name, const std::string& help,
                                 std::vector<std::string> label_names) {
  return GetOrCreate<metrics::Counter>(name, help, std::move(label_names), {});
}

GaugeFamily& Registry::Gauge(const std::string& name, const std::string& help,
                             std::vector<std::string> label_names) {
  return GetOrCreate<metrics::Gauge>(name, help, std::move(label_names), {});
}

HistogramFamily& Registry::Histogram(const std::string& name, const std::string& help,
                                     std::vector<std::string> label_names,
                                     std::vector<double> bucket_bounds) {
  return GetOrCreate<metrics::Histogram>(name, help, std::move(label_names),
                                         NormalizeBounds(name, std::move(bucket_bounds)));
}

int Registry::AddCollector(Collector collector) {
  absl::MutexLock lock(&mu_);
  int id = next_collector_id_++;
  collectors_.emplace(id, std::move(collector));
  return id;
}

void Registry::RemoveCollector(int id) {
  {
    absl::MutexLock lock(&mu_);
    collectors_.erase(id);
  }
  // Wait for scrapes that copied the collector before it was erased.
  absl::MutexLock wait(&running_mu_);
}

std::vector<MetricFamily> Registry::Collect() const {
  absl::ReaderMutexLock running(&running_mu_);
  std::vector<const FamilyBase*> families;
  std::vector<Collector> collectors;
  {
    absl::MutexLock lock(&mu_);
    for (const auto& [name, family] : families_) families.push_back(family.get());
    for (const auto& [id, collector] : collectors_) collectors.push_back(collector);
  }
  // Families are never deleted, and each locks itself; collectors run without
  // the registry lock because they may register or update metrics.
  std::vector<MetricFamily> own;
  own.reserve(families.size());
  for (const FamilyBase* family : families) own.push_back(family->Collect());
  std::vector<MetricFamily> collected;
  for (const Collector& collector : collectors) collector(&collected);
  return MergeFamilies({std::move(own), std::move(collected)});
}

}  // namespace berth::metrics
