#include "services/common/metrics/exposition.h"

#include <cmath>
#include <limits>

#include "gtest/gtest.h"
#include "services/common/metrics/registry.h"

namespace berth::metrics {
namespace {

constexpr double kInf = std::numeric_limits<double>::infinity();

TEST(ExpositionTest, CounterAndGaugeWithEscaping) {
  Registry registry;
  registry
      .Counter("http_requests_total", "Requests by \"path\".\nSecond \\ line.", {"path", "code"})
      .WithLabels({"/a\"b\\c\nd", "200"})
      .Increment(3);
  registry.Gauge("temperature_celsius", "Temperature.", {}).WithLabels({}).Set(-1.5);
  EXPECT_EQ(RenderText(registry.Collect()),
            "# HELP http_requests_total Requests by \"path\".\\nSecond \\\\ line.\n"
            "# TYPE http_requests_total counter\n"
            "http_requests_total{path=\"/a\\\"b\\\\c\\nd\",code=\"200\"} 3\n"
            "# HELP temperature_celsius Temperature.\n"
            "# TYPE temperature_celsius gauge\n"
            "temperature_celsius -1.5\n");
}

TEST(ExpositionTest, HistogramBucketsSumAndCount) {
  Registry registry;
  HistogramFamily& family = registry.Histogram("latency_seconds", "Latency.", {"method"}, {0.1, 1});
  family.WithLabels({"Get"}).Observe(0.05);
  family.WithLabels({"Get"}).Observe(0.5);
  family.WithLabels({"Get"}).Observe(7);
  registry.Histogram("size_bytes", "Size.", {}, {1024}).WithLabels({}).Observe(4096);
  EXPECT_EQ(RenderText(registry.Collect()),
            "# HELP latency_seconds Latency.\n"
            "# TYPE latency_seconds histogram\n"
            "latency_seconds_bucket{method=\"Get\",le=\"0.1\"} 1\n"
            "latency_seconds_bucket{method=\"Get\",le=\"1\"} 2\n"
            "latency_seconds_bucket{method=\"Get\",le=\"+Inf\"} 3\n"
            "latency_seconds_sum{method=\"Get\"} 7.55\n"
            "latency_seconds_count{method=\"Get\"} 3\n"
            "# HELP size_bytes Size.\n"
            "# TYPE size_bytes histogram\n"
            "size_bytes_bucket{le=\"1024\"} 0\n"
            "size_bytes_bucket{le=\"+Inf\"} 1\n"
            "size_bytes_sum 4096\n"
            "size_bytes_count 1\n");
}

TEST(ExpositionTest, HistogramWithoutInfBucketGetsOne) {
  std::vector<MetricFamily> families = {
      {"h", "", MetricType::kHistogram, {{{{"a", "b"}}, 0, {{0.5, 1}}, 2.5, 4}}}};
  EXPECT_EQ(RenderText(families),
            "# TYPE h histogram\n"
            "h_bucket{a=\"b\",le=\"0.5\"} 1\n"
            "h_bucket{a=\"b\",le=\"+Inf\"} 4\n"
            "h_sum{a=\"b\"} 2.5\n"
            "h_count{a=\"b\"} 4\n");
}

TEST(ExpositionTest, SpecialValues) {
  std::vector<MetricFamily> families = {{"g",
                                         "G.",
                                         MetricType::kGauge,
                                         {{{{"v", "inf"}}, kInf, {}, 0, 0},
                                          {{{"v", "-inf"}}, -kInf, {}, 0, 0},
                                          {{{"v", "nan"}}, std::nan(""), {}, 0, 0}}}};
  EXPECT_EQ(RenderText(families),
            "# HELP g G.\n"
            "# TYPE g gauge\n"
            "g{v=\"inf\"} +Inf\n"
            "g{v=\"-inf\"} -Inf\n"
            "g{v=\"nan\"} NaN\n");
}

TEST(ExpositionTest, FormatValue) {
  EXPECT_EQ(FormatValue(0), "0");
  EXPECT_EQ(FormatValue(-0.0), "0");
  EXPECT_EQ(FormatValue(42), "42");
  EXPECT_EQ(FormatValue(-7), "-7");
  EXPECT_EQ(FormatValue(1e6), "1000000");
  EXPECT_EQ(FormatValue(1e15), "1000000000000000");
  EXPECT_EQ(FormatValue(1e20), "1e+20");
  EXPECT_EQ(FormatValue(0.25), "0.25");
  EXPECT_EQ(FormatValue(0.1), "0.1");
  EXPECT_EQ(FormatValue(0.1 + 0.2), "0.30000000000000004");  // Reads back exactly.
  EXPECT_EQ(FormatValue(0.0025), "0.0025");
  EXPECT_EQ(FormatValue(1.5e-7), "1.5e-07");
  EXPECT_EQ(FormatValue(kInf), "+Inf");
  EXPECT_EQ(FormatValue(-kInf), "-Inf");
  EXPECT_EQ(FormatValue(std::nan("")), "NaN");
}

TEST(ExpositionTest, EmptyFamilyStillDeclaresType) {
  Registry registry;
  registry.Counter("nothing_yet_total", "Nothing.", {"x"});
  EXPECT_EQ(RenderText(registry.Collect()),
            "# HELP nothing_yet_total Nothing.\n# TYPE nothing_yet_total counter\n");
}

TEST(ExpositionTest, ContentType) {
  EXPECT_STREQ(kTextContentType, "text/plain; version=0.0.4; charset=utf-8");
}

}  // namespace
}  // namespace berth::metrics
