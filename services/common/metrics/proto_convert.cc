#include "services/common/metrics/proto_convert.h"

#include <optional>
#include <utility>

#include "services/common/metrics/validation.h"

namespace berth::metrics {
namespace {

namespace pb = berth::metrics::v1;

pb::MetricType ToProtoType(MetricType type) {
  switch (type) {
    case MetricType::kCounter:
      return pb::COUNTER;
    case MetricType::kGauge:
      return pb::GAUGE;
    case MetricType::kHistogram:
      return pb::HISTOGRAM;
  }
  return pb::METRIC_TYPE_UNSPECIFIED;
}

std::optional<MetricType> FromProtoType(pb::MetricType type) {
  switch (type) {
    case pb::COUNTER:
      return MetricType::kCounter;
    case pb::GAUGE:
      return MetricType::kGauge;
    case pb::HISTOGRAM:
      return MetricType::kHistogram;
    default:
      return std::nullopt;
  }
}

void ToProtoSample(const Sample& sample, pb::Sample* out) {
  for (const auto& [name, value] : sample.labels) {
    pb::LabelPair* label = out->add_labels();
    label->set_name(name);
    label->set_value(value);
  }
  out->set_value(sample.value);
  for (const auto& [bound, count] : sample.buckets) {
    pb::Bucket* bucket = out->add_buckets();
    bucket->set_upper_bound(bound);
    bucket->set_cumulative_count(count);
  }
  out->set_sum(sample.sum);
  out->set_count(sample.count);
}

Sample FromProtoSample(const pb::Sample& in) {
  Sample sample;
  for (const pb::LabelPair& label : in.labels()) {
    sample.labels.emplace_back(label.name(), label.value());
  }
  sample.value = in.value();
  for (const pb::Bucket& bucket : in.buckets()) {
    sample.buckets.emplace_back(bucket.upper_bound(), bucket.cumulative_count());
  }
  sample.sum = in.sum();
  sample.count = in.count();
  return sample;
}

}  // namespace

pb::ScrapeResponse ToProto(const std::vector<MetricFamily>& families) {
  pb::ScrapeResponse response;
  for (const MetricFamily& family : families) {
    pb::MetricFamily* out = response.add_families();
    out->set_name(family.name);
    out->set_help(family.help);
    out->set_type(ToProtoType(family.type));
    for (const Sample& sample : family.samples) ToProtoSample(sample, out->add_samples());
  }
  return response;
}

std::vector<MetricFamily> FromProto(const pb::ScrapeResponse& response) {
  std::vector<MetricFamily> families;
  for (const pb::MetricFamily& in : response.families()) {
    std::optional<MetricType> type = FromProtoType(in.type());
    if (!type.has_value()) continue;
    MetricFamily family{in.name(), in.help(), *type, {}};
    family.samples.reserve(in.samples_size());
    for (const pb::Sample& sample : in.samples()) family.samples.push_back(FromProtoSample(sample));
    if (!ValidateFamily(family).ok()) continue;
    families.push_back(std::move(family));
  }
  return families;
}

}  // namespace berth::metrics
