#include "services/common/metrics/registry.h"

#include <thread>
#include <vector>

#include "gtest/gtest.h"

namespace berth::metrics {
namespace {

TEST(RegistryTest, SameNameReturnsSameFamily) {
  Registry registry;
  CounterFamily& a = registry.Counter("jobs_total", "Jobs.", {"kind"});
  CounterFamily& b = registry.Counter("jobs_total", "Jobs.", {"kind"});
  EXPECT_EQ(&a, &b);
  a.WithLabels({"x"}).Increment();
  b.WithLabels({"x"}).Increment(2);
  EXPECT_EQ(a.WithLabels({"x"}).Value(), 3);
}

TEST(RegistryTest, MismatchedRegistrationAborts) {
  Registry registry;
  registry.Counter("things_total", "Things.", {"a"});
  EXPECT_DEATH(registry.Gauge("things_total", "Things.", {"a"}), "another type");
  EXPECT_DEATH(registry.Counter("things_total", "Things.", {"b"}), "other labels");
  EXPECT_DEATH(registry.Counter("bad-name", "x", {}), "invalid metric name");
  EXPECT_DEATH(registry.Counter("ok_total", "x", {"__reserved"}), "invalid label name");
  EXPECT_DEATH(registry.Histogram("h", "x", {"le"}, {1}), "label named le");
}

TEST(RegistryTest, NameValidation) {
  EXPECT_TRUE(IsValidMetricName("berth_grpc_requests_total"));
  EXPECT_TRUE(IsValidMetricName("ns:sub_metric"));
  EXPECT_FALSE(IsValidMetricName("9lives"));
  EXPECT_FALSE(IsValidMetricName(""));
  EXPECT_TRUE(IsValidLabelName("grpc_code"));
  EXPECT_FALSE(IsValidLabelName("a:b"));
  EXPECT_FALSE(IsValidLabelName("__name__"));
}

TEST(RegistryTest, CountersIgnoreNegativeIncrements) {
  Counter counter;
  counter.Increment(5);
  counter.Increment(-3);
  EXPECT_EQ(counter.Value(), 5);
  Gauge gauge;
  gauge.Increment(5);
  gauge.Decrement(7);
  EXPECT_EQ(gauge.Value(), -2);
}

TEST(RegistryTest, RemovedSeriesDisappear) {
  Registry registry;
  GaugeFamily& memory = registry.Gauge("container_memory_usage_bytes", "Memory.", {"id"});
  memory.WithLabels({"c1"}).Set(10);
  memory.WithLabels({"c2"}).Set(20);
  memory.Remove({"c1"});
  std::vector<MetricFamily> families = registry.Collect();
  ASSERT_EQ(families.size(), 1u);
  ASSERT_EQ(families[0].samples.size(), 1u);
  EXPECT_EQ(families[0].samples[0].labels[0].second, "c2");
}

TEST(RegistryTest, CollectorsAddFamiliesAtScrapeTime) {
  Registry registry;
  registry.Counter("b_total", "B.", {}).WithLabels({}).Increment();
  int calls = 0;
  int id = registry.AddCollector([&calls](std::vector<MetricFamily>* out) {
    ++calls;
    out->push_back({"a_up", "A.", MetricType::kGauge, {{{}, 1, {}, 0, 0}}});
  });
  std::vector<MetricFamily> families = registry.Collect();
  ASSERT_EQ(families.size(), 2u);
  EXPECT_EQ(families[0].name, "a_up");  // Sorted by name.
  EXPECT_EQ(families[1].name, "b_total");
  registry.RemoveCollector(id);
  EXPECT_EQ(registry.Collect().size(), 1u);
  EXPECT_EQ(calls, 1);
}

TEST(RegistryTest, ConcurrentIncrementsSum) {
  Registry registry;
  CounterFamily& family = registry.Counter("hits_total", "Hits.", {"path"});
  HistogramFamily& latency = registry.Histogram("lat_seconds", "Latency.", {}, {0.5, 1});
  std::vector<std::thread> threads;
  for (int t = 0; t < 4; ++t) {
    threads.emplace_back([&] {
      for (int i = 0; i < 10000; ++i) {
        family.WithLabels({"/"}).Increment();
        latency.WithLabels({}).Observe(0.75);
      }
    });
  }
  for (auto& thread : threads) thread.join();
  EXPECT_EQ(family.WithLabels({"/"}).Value(), 40000);
  Sample sample = latency.WithLabels({}).Snapshot();
  EXPECT_EQ(sample.count, 40000u);
  EXPECT_DOUBLE_EQ(sample.sum, 30000);
  EXPECT_EQ(sample.buckets[0].second, 0u);      // le=0.5
  EXPECT_EQ(sample.buckets[1].second, 40000u);  // le=1
  EXPECT_EQ(sample.buckets[2].second, 40000u);  // le=+Inf
}

TEST(MergeTest, MergesSameNamedFamiliesAndDropsTypeConflicts) {
  std::vector<MetricFamily> images = {{"req_total", "Requests.", MetricType::kCounter,
                                       {{{{"m", "a"}}, 1, {}, 0, 0}}}};
  std::vector<MetricFamily> tasks = {{"req_total", "Requests.", MetricType::kCounter,
                                      {{{{"m", "b"}}, 2, {}, 0, 0}}},
                                     {"up", "Up.", MetricType::kGauge, {{{}, 1, {}, 0, 0}}}};
  std::vector<MetricFamily> odd = {{"up", "Up.", MetricType::kCounter, {{{}, 9, {}, 0, 0}}}};
  AddLabel(&images, "service", "images");
  AddLabel(&tasks, "service", "tasks");
  std::vector<MetricFamily> merged = MergeFamilies({images, tasks, odd});
  ASSERT_EQ(merged.size(), 2u);
  EXPECT_EQ(merged[0].name, "req_total");
  ASSERT_EQ(merged[0].samples.size(), 2u);
  EXPECT_EQ(merged[0].samples[1].labels[0], (std::pair<std::string, std::string>{"service", "tasks"}));
  EXPECT_EQ(merged[1].samples.size(), 1u);
  EXPECT_EQ(merged[1].samples[0].value, 1);
}

TEST(MergeTest, AddLabelKeepsAnExistingLabel) {
  std::vector<MetricFamily> families = {
      {"restarts_total", "R.", MetricType::kCounter, {{{{"service", "images"}}, 1, {}, 0, 0}}}};
  AddLabel(&families, "service", "berthd");
  ASSERT_EQ(families[0].samples[0].labels.size(), 1u);
  EXPECT_EQ(families[0].samples[0].labels[0].second, "images");
}

}  // namespace
}  // namespace berth::metrics
