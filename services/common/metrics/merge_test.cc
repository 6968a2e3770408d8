#include "services/common/metrics/merge.h"

#include "gtest/gtest.h"

namespace berth::metrics {
namespace {

Sample Value(Labels labels, double value) { return {std::move(labels), value, {}, 0, 0}; }

TEST(MergeTest, SameNamedFamiliesBecomeOne) {
  std::vector<MetricFamily> images = {
      {"req_total", "Requests.", MetricType::kCounter, {Value({{"m", "a"}}, 1)}}};
  std::vector<MetricFamily> tasks = {
      {"up", "Up.", MetricType::kGauge, {Value({}, 1)}},
      {"req_total", "Other help.", MetricType::kCounter, {Value({{"m", "b"}}, 2)}}};
  AddLabel(&images, "service", "images");
  AddLabel(&tasks, "service", "tasks");
  std::vector<MetricFamily> merged = MergeFamilies({images, tasks});
  ASSERT_EQ(merged.size(), 2u);
  EXPECT_EQ(merged[0].name, "req_total");  // Sorted by name.
  EXPECT_EQ(merged[0].help, "Requests.");  // The first source's.
  ASSERT_EQ(merged[0].samples.size(), 2u);
  EXPECT_EQ(merged[0].samples[0].labels, (Labels{{"service", "images"}, {"m", "a"}}));
  EXPECT_EQ(merged[0].samples[1].labels, (Labels{{"service", "tasks"}, {"m", "b"}}));
  EXPECT_EQ(merged[1].name, "up");
  EXPECT_EQ(merged[1].samples[0].labels, (Labels{{"service", "tasks"}}));
}

TEST(MergeTest, ConflictingTypeKeepsTheFirst) {
  std::vector<MetricFamily> first = {{"up", "Up.", MetricType::kGauge, {Value({}, 1)}}};
  std::vector<MetricFamily> odd = {{"up", "Up?", MetricType::kCounter, {Value({{"x", "y"}}, 9)}}};
  std::vector<MetricFamily> merged = MergeFamilies({first, odd});
  ASSERT_EQ(merged.size(), 1u);
  EXPECT_EQ(merged[0].type, MetricType::kGauge);
  ASSERT_EQ(merged[0].samples.size(), 1u);
  EXPECT_EQ(merged[0].samples[0].value, 1);
}

TEST(MergeTest, DuplicateSeriesKeepTheFirst) {
  std::vector<MetricFamily> a = {
      {"x", "X.", MetricType::kGauge, {Value({{"a", "1"}, {"b", "2"}}, 1)}}};
  std::vector<MetricFamily> b = {
      {"x", "X.", MetricType::kGauge, {Value({{"b", "2"}, {"a", "1"}}, 2)}}};
  std::vector<MetricFamily> merged = MergeFamilies({a, b});
  ASSERT_EQ(merged[0].samples.size(), 1u);
  EXPECT_EQ(merged[0].samples[0].value, 1);
}

TEST(MergeTest, AddLabelKeepsAnExistingLabel) {
  std::vector<MetricFamily> families = {
      {"restarts_total",
       "R.",
       MetricType::kCounter,
       {Value({{"service", "images"}}, 1), Value({{"other", "x"}}, 2)}}};
  AddLabel(&families, "service", "berthd");
  EXPECT_EQ(families[0].samples[0].labels, (Labels{{"service", "images"}}));
  EXPECT_EQ(families[0].samples[1].labels, (Labels{{"service", "berthd"}, {"other", "x"}}));
}

}  // namespace
}  // namespace berth::metrics
