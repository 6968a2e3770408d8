#include "services/common/metrics/merge.h"

#include <algorithm>
#include <map>
#include <set>
#include <utility>

namespace berth::metrics {
namespace {

// Prometheus identifies a series by its label set, whatever the order.
Labels SeriesKey(const Labels& labels) {
  Labels key = labels;
  std::sort(key.begin(), key.end());
  return key;
}

struct Merged {
  MetricFamily family;
  std::set<Labels> series;

  void Add(Sample sample) {
    if (series.insert(SeriesKey(sample.labels)).second) family.samples.push_back(std::move(sample));
  }
};

}  // namespace

std::vector<MetricFamily> MergeFamilies(std::vector<std::vector<MetricFamily>> sources) {
  std::map<std::string, Merged> merged;
  for (auto& source : sources) {
    for (MetricFamily& family : source) {
      auto [it, inserted] = merged.try_emplace(family.name);
      Merged& into = it->second;
      if (inserted) {
        into.family = {family.name, std::move(family.help), family.type, {}};
      } else if (into.family.type != family.type) {
        continue;
      }
      for (Sample& sample : family.samples) into.Add(std::move(sample));
    }
  }
  std::vector<MetricFamily> result;
  result.reserve(merged.size());
  for (auto& [name, entry] : merged) result.push_back(std::move(entry.family));
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
