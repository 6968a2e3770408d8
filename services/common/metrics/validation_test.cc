#include "services/common/metrics/validation.h"

#include <limits>

#include "gtest/gtest.h"

namespace berth::metrics {
namespace {

TEST(ValidationTest, MetricNames) {
  EXPECT_TRUE(IsValidMetricName("berth_grpc_requests_total"));
  EXPECT_TRUE(IsValidMetricName("ns:sub_metric"));
  EXPECT_TRUE(IsValidMetricName("_x9"));
  EXPECT_FALSE(IsValidMetricName("9lives"));
  EXPECT_FALSE(IsValidMetricName(""));
  EXPECT_FALSE(IsValidMetricName("a-b"));
  EXPECT_FALSE(IsValidMetricName("a b"));
  EXPECT_FALSE(IsValidMetricName("caf\xc3\xa9"));
}

TEST(ValidationTest, LabelNames) {
  EXPECT_TRUE(IsValidLabelName("grpc_code"));
  EXPECT_TRUE(IsValidLabelName("_private"));
  EXPECT_FALSE(IsValidLabelName("a:b"));
  EXPECT_FALSE(IsValidLabelName("__name__"));
  EXPECT_FALSE(IsValidLabelName("1st"));
  EXPECT_FALSE(IsValidLabelName(""));
}

TEST(ValidationTest, Families) {
  MetricFamily ok{
      "x_total", "X.", MetricType::kCounter, {{{{"a", "1"}, {"b", "\n"}}, 1, {}, 0, 0}}};
  EXPECT_TRUE(ValidateFamily(ok).ok());

  MetricFamily bad_name = ok;
  bad_name.name = "x total";
  EXPECT_EQ(ValidateFamily(bad_name).code(), absl::StatusCode::kInvalidArgument);
  EXPECT_EQ(ValidateFamily(bad_name).message(), "metric family \"x total\": invalid metric name");

  MetricFamily repeated = ok;
  repeated.samples[0].labels.push_back({"a", "2"});
  EXPECT_FALSE(ValidateFamily(repeated).ok());

  const double inf = std::numeric_limits<double>::infinity();
  MetricFamily histogram{"h", "H.", MetricType::kHistogram, {{{}, 0, {{1, 1}, {inf, 2}}, 3, 2}}};
  EXPECT_TRUE(ValidateFamily(histogram).ok());
  MetricFamily with_le = histogram;
  with_le.samples[0].labels.push_back({"le", "1"});
  EXPECT_FALSE(ValidateFamily(with_le).ok());
  MetricFamily unordered = histogram;
  unordered.samples[0].buckets = {{2, 1}, {1, 2}};
  EXPECT_FALSE(ValidateFamily(unordered).ok());
  MetricFamily decreasing = histogram;
  decreasing.samples[0].buckets = {{1, 2}, {inf, 1}};
  EXPECT_FALSE(ValidateFamily(decreasing).ok());
}

}  // namespace
}  // namespace berth::metrics
