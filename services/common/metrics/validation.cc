#include "services/common/metrics/validation.h"

#include <cmath>
#include <set>
#include <string>

#include "absl/strings/str_cat.h"

namespace berth::metrics {
namespace {

bool IsNameChar(char c, bool first, bool allow_colon) {
  if ((c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') || c == '_') return true;
  if (allow_colon && c == ':') return true;
  return !first && c >= '0' && c <= '9';
}

bool IsValidName(std::string_view name, bool allow_colon) {
  if (name.empty()) return false;
  for (size_t i = 0; i < name.size(); ++i) {
    if (!IsNameChar(name[i], i == 0, allow_colon)) return false;
  }
  return true;
}

absl::Status Invalid(const MetricFamily& family, const std::string& what) {
  // The name may itself be the problem: quote it as given.
  return absl::InvalidArgumentError(absl::StrCat("metric family \"", family.name, "\": ", what));
}

}  // namespace

bool IsValidMetricName(std::string_view name) { return IsValidName(name, /*allow_colon=*/true); }

bool IsValidLabelName(std::string_view name) {
  return IsValidName(name, /*allow_colon=*/false) && name.substr(0, 2) != "__";
}

absl::Status ValidateFamily(const MetricFamily& family) {
  if (!IsValidMetricName(family.name)) return Invalid(family, "invalid metric name");
  bool histogram = family.type == MetricType::kHistogram;
  for (const Sample& sample : family.samples) {
    std::set<std::string> seen;
    for (const auto& [name, value] : sample.labels) {
      if (!IsValidLabelName(name)) return Invalid(family, "invalid label name \"" + name + "\"");
      if (histogram && name == "le") return Invalid(family, "histogram with a label named le");
      if (!seen.insert(name).second) return Invalid(family, "label \"" + name + "\" repeated");
    }
    if (!histogram) continue;
    for (size_t i = 0; i < sample.buckets.size(); ++i) {
      if (std::isnan(sample.buckets[i].first)) return Invalid(family, "NaN bucket bound");
      if (i == 0) continue;
      if (sample.buckets[i - 1].first >= sample.buckets[i].first) {
        return Invalid(family, "bucket bounds not increasing");
      }
      if (sample.buckets[i - 1].second > sample.buckets[i].second) {
        return Invalid(family, "bucket counts not cumulative");
      }
    }
  }
  return absl::OkStatus();
}

}  // namespace berth::metrics
