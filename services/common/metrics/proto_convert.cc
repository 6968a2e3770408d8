#include "services/common/metrics/proto_convert.h"

namespace berth::metrics {
namespace {

berth::metrics::v1::MetricType ToProtoType(MetricType type) {
  switch (type) {
    case MetricType::kCounter:
      return berth::metrics::v1::COUNTER;
    case MetricType::kGauge:
      return berth::metrics::v1::GAUGE;
    case MetricType::kHistogram:
      return berth::metrics::v1::HISTOGRAM;
  }
  return berth::metrics::v1::METRIC_TYPE_UNSPECIFIED;
}

MetricType FromProtoType(berth::metrics::v1::MetricType type) {
  switch (type) {
    case berth::metrics::v1::COUNTER:
      return MetricType::kCounter;
    case berth::metrics::v1::HISTOGRAM:
      return MetricType::kHistogram;
    default:
      return MetricType::kGauge;
  }
}

}  // namespace

berth::metrics::v1::ScrapeResponse ToProto(const std::vector<MetricFamily>& families) {
  berth::metrics::v1::ScrapeResponse response;
  for (const MetricFamily& family : families) {
    auto* out = response.add_families();
    out->set_name(family.name);
    out->set_help(family.help);
    out->set_type(ToProtoType(family.type));
    for (const Sample& sample : family.samples) {
      auto* s = out->add_samples();
      for (const auto& [name, value] : sample.labels) {
        auto* label = s->add_labels();
        label->set_name(name);
        label->set_value(value);
      }
      s->set_value(sample.value);
      for (const auto& [bound, count] : sample.buckets) {
        auto* bucket = s->add_buckets();
        bucket->set_upper_bound(bound);
        bucket->set_cumulative_count(count);
      }
      s->set_sum(sample.sum);
      s->set_count(sample.count);
    }
  }
  return response;
}

std::vector<MetricFamily> FromProto(const berth::metrics::v1::ScrapeResponse& response) {
  std::vector<MetricFamily> families;
  for (const auto& in : response.families()) {
    MetricFamily family{in.name(), in.help(), FromProtoType(in.type()), {}};
    for (const auto& s : in.samples()) {
      Sample sample;
      for (const auto& label : s.labels()) sample.labels.emplace_back(label.name(), label.value());
      sample.value = s.value();
      for (const auto& bucket : s.buckets()) {
        sample.buckets.emplace_back(bucket.upper_bound(), bucket.cumulative_count());
      }
      sample.sum = s.sum();
      sample.count = s.count();
      family.samples.push_back(std::move(sample));
    }
    families.push_back(std::move(family));
  }
  return families;
}

}  // namespace berth::metrics
