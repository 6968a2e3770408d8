#include "services/common/metrics/exposition.h"

#include <cmath>
#include <limits>

#include "gtest/gtest.h"
#include "services/common/metrics/registry.h"

namespace berth::metrics {
namespace {

TEST(ExpositionTest, CounterAndGaugeWithEscaping) {
  Registry registry;
  registry.Counter("http_requests_total", "Requests by path.\nSecond \\ line.", {"path", "code"})
      .WithLabels({"/a\"b\\c\nd", "200"})
      .Increment(3);
  registry.Gauge("temperature_celsius", "Temperature.", {}).WithLabels({}).Set(-1.5);
  EXPECT_EQ(RenderText(registry.Collect()),
            "# HELP http_requests_total Requests by path.\\nSecond \\\\ line.\n"
            "# TYPE http_requests_total counter\n"
            "http_requests_total{path=\"/a\\\"b\\\\c\\nd\",code=\"200\"} 3\n"
            "# HELP temperature_celsius Temperature.\n"
            "# TYPE temperature_celsius gauge\n"
            "temperature_celsius -1.5\n");
}

TEST(ExpositionTest, HistogramBucketsSumAndCount) {
  Registry registry;
  HistogramFamily& family =
      registry.Histogram("latency_seconds", "Latency.", {"method"}, {0.1, 1});
  family.WithLabels({"Get"}).Observe(0.05);
  family.WithLabels({"Get"}).Observe(0.5);
  family.WithLabels({"Get"}).Observe(7);
  EXPECT_EQ(RenderText(registry.Collect()),
            "# HELP latency_seconds Latency.\n"
            "# TYPE latency_seconds histogram\n"
            "latency_seconds_bucket{method=\"Get\",le=\"0.1\"} 1\n"
            "latency_seconds_bucket{method=\"Get\",le=\"1\"} 2\n"
            "latency_seconds_bucket{method=\"Get\",le=\"+Inf\"} 3\n"
            "latency_seconds_sum{method=\"Get\"} 7.55\n"
            "latency_seconds_count{method=\"Get\"} 3\n");
}

TEST(ExpositionTest, FormatsSpecialValues) {
  EXPECT_EQ(FormatValue(0), "0");
  EXPECT_EQ(FormatValue(1e6), "1000000");
  EXPECT_EQ(FormatValue(0.25), "0.25");
  EXPECT_EQ(FormatValue(1e20), "1e+20");
  EXPECT_EQ(FormatValue(std::numeric_limits<double>::infinity()), "+Inf");
  EXPECT_EQ(FormatValue(-std::numeric_limits<double>::infinity()), "-Inf");
  EXPECT_EQ(FormatValue(std::nan("")), "NaN");
}

TEST(ExpositionTest, EmptyFamilyStillDeclaresType) {
  Registry registry;
  registry.Counter("nothing_yet_total", "Nothing.", {"x"});
  EXPECT_EQ(RenderText(registry.Collect()),
            "# HELP nothing_yet_total Nothing.\n# TYPE nothing_yet_total counter\n");
}

}  // namespace
}  // namespace berth::metrics
