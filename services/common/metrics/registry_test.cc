#include "services/common/metrics/registry.h"

#include <algorithm>
#include <cmath>
#include <limits>
#include <thread>
#include <vector>

#include "absl/synchronization/notification.h"
#include "gtest/gtest.h"

namespace berth::metrics {
namespace {

// Named *DeathTest so gtest runs them first, before other tests start threads.
TEST(RegistryDeathTest, MismatchedOrInvalidRegistrationAborts) {
  Registry registry;
  registry.Counter("things_total", "Things.", {"a"});
  registry.Histogram("lat_seconds", "Latency.", {}, {1, 2});
  EXPECT_DEATH(registry.Gauge("things_total", "Things.", {"a"}),
               "things_total is already registered as a counter, not a gauge");
  EXPECT_DEATH(registry.Counter("things_total", "Things.", {"b"}), "other labels \\(a\\)");
  EXPECT_DEATH(registry.Histogram("lat_seconds", "Latency.", {}, {1, 3}), "other buckets");
  EXPECT_DEATH(registry.Counter("bad-name", "x", {}), "invalid metric name \"bad-name\"");
  EXPECT_DEATH(registry.Counter("ok_total", "x", {"__reserved"}), "invalid label name");
  EXPECT_DEATH(registry.Counter("ok_total", "x", {"a", "a"}), "given twice");
  EXPECT_DEATH(registry.Histogram("h", "x", {"le"}, {1}), "label named le");
  EXPECT_DEATH(registry.Histogram("h", "x", {}, {2, 1}), "strictly increasing");
  EXPECT_DEATH(registry.Counter("things_total", "Things.", {"a"}).WithLabels({"x", "y"}),
               "2 label values for 1 labels");
}

TEST(RegistryTest, SameNameReturnsSameFamily) {
  Registry registry;
  CounterFamily& a = registry.Counter("jobs_total", "Jobs.", {"kind"});
  CounterFamily& b = registry.Counter("jobs_total", "Other help is ignored.", {"kind"});
  EXPECT_EQ(&a, &b);
  a.WithLabels({"x"}).Increment();
  b.WithLabels({"x"}).Increment(2);
  EXPECT_EQ(&a.WithLabels({"x"}), &b.WithLabels({"x"}));
  EXPECT_EQ(a.WithLabels({"x"}).Value(), 3);
  EXPECT_EQ(b.help(), "Jobs.");
  // A trailing +Inf bound is implicit, so both spellings are the same family.
  HistogramFamily& h = registry.Histogram("h_seconds", "H.", {}, {1, 2});
  EXPECT_EQ(&h, &registry.Histogram("h_seconds", "H.", {},
                                    {1, 2, std::numeric_limits<double>::infinity()}));
}

TEST(RegistryTest, LabelValuesSelectChildren) {
  Registry registry;
  GaugeFamily& family = registry.Gauge("queue_length", "Queued.", {"queue", "priority"});
  family.WithLabels({"pull", "high"}).Set(3);
  family.WithLabels({"pull", "low"}).Increment(2);
  family.WithLabels({"pull", "low"}).Decrement(0.5);
  std::vector<MetricFamily> families = registry.Collect();
  ASSERT_EQ(families.size(), 1u);
  EXPECT_EQ(families[0].name, "queue_length");
  EXPECT_EQ(families[0].help, "Queued.");
  EXPECT_EQ(families[0].type, MetricType::kGauge);
  ASSERT_EQ(families[0].samples.size(), 2u);
  EXPECT_EQ(families[0].samples[0].labels, (Labels{{"queue", "pull"}, {"priority", "high"}}));
  EXPECT_EQ(families[0].samples[0].value, 3);
  EXPECT_EQ(families[0].samples[1].labels, (Labels{{"queue", "pull"}, {"priority", "low"}}));
  EXPECT_EQ(families[0].samples[1].value, 1.5);
}

TEST(RegistryTest, CountersIgnoreNegativeIncrements) {
  Counter counter;
  counter.Increment();
  counter.Increment(4);
  counter.Increment(-3);
  counter.Increment(std::nan(""));
  EXPECT_EQ(counter.Value(), 5);
  Gauge gauge;
  gauge.Increment(5);
  gauge.Decrement(7);
  EXPECT_EQ(gauge.Value(), -2);
  gauge.Set(0.25);
  EXPECT_EQ(gauge.Value(), 0.25);
}

TEST(RegistryTest, HistogramBucketsAreCumulativeAndInclusive) {
  Histogram histogram({0.5, 1});
  for (double v : {0.1, 0.5, 0.75, 1.0, 3.0}) histogram.Observe(v);
  Sample sample = histogram.Snapshot();
  ASSERT_EQ(sample.buckets.size(), 3u);
  EXPECT_EQ(sample.buckets[0], (std::pair<double, uint64_t>{0.5, 2}));
  EXPECT_EQ(sample.buckets[1], (std::pair<double, uint64_t>{1, 4}));
  EXPECT_TRUE(std::isinf(sample.buckets[2].first));
  EXPECT_EQ(sample.buckets[2].second, 5u);
  EXPECT_EQ(sample.count, 5u);
  EXPECT_DOUBLE_EQ(sample.sum, 5.35);
}

TEST(RegistryTest, RemovedSeriesDisappear) {
  Registry registry;
  GaugeFamily& memory = registry.Gauge("container_memory_usage_bytes", "Memory.", {"id"});
  memory.WithLabels({"c1"}).Set(10);
  memory.WithLabels({"c2"}).Set(20);
  memory.Remove({"c1"});
  memory.Remove({"never-there"});
  std::vector<MetricFamily> families = registry.Collect();
  ASSERT_EQ(families.size(), 1u);
  ASSERT_EQ(families[0].samples.size(), 1u);
  EXPECT_EQ(families[0].samples[0].labels, (Labels{{"id", "c2"}}));
  // Asking again starts a fresh series.
  EXPECT_EQ(memory.WithLabels({"c1"}).Value(), 0);
}

TEST(RegistryTest, CollectorsAddFamiliesAtScrapeTime) {
  Registry registry;
  registry.Counter("b_total", "B.", {"x"}).WithLabels({"registered"}).Increment();
  int calls = 0;
  int id = registry.AddCollector([&calls](std::vector<MetricFamily>* out) {
    ++calls;
    out->push_back({"a_up", "A.", MetricType::kGauge, {{{}, 1, {}, 0, 0}}});
    // Joins the registered family of the same name and type.
    out->push_back({"b_total", "B.", MetricType::kCounter, {{{{"x", "collected"}}, 7, {}, 0, 0}}});
  });
  std::vector<MetricFamily> families = registry.Collect();
  ASSERT_EQ(families.size(), 2u);
  EXPECT_EQ(families[0].name, "a_up");  // Sorted by name.
  EXPECT_EQ(families[1].name, "b_total");
  ASSERT_EQ(families[1].samples.size(), 2u);
  EXPECT_EQ(families[1].samples[1].labels, (Labels{{"x", "collected"}}));
  registry.RemoveCollector(id);
  EXPECT_EQ(registry.Collect().size(), 1u);
  EXPECT_EQ(calls, 1);
}

TEST(RegistryTest, RemoveCollectorWaitsForARunningScrape) {
  Registry registry;
  absl::Notification entered, release;
  int id = registry.AddCollector([&](std::vector<MetricFamily>*) {
    entered.Notify();
    release.WaitForNotification();
  });
  std::thread scrape([&] { registry.Collect(); });
  entered.WaitForNotification();
  absl::Notification removed;
  std::thread remover([&] {
    registry.RemoveCollector(id);
    removed.Notify();
  });
  EXPECT_FALSE(removed.WaitForNotificationWithTimeout(absl::Milliseconds(50)));
  release.Notify();
  removed.WaitForNotification();
  scrape.join();
  remover.join();
}

TEST(RegistryTest, ConcurrentUpdatesSumCorrectly) {
  Registry registry;
  CounterFamily& hits = registry.Counter("hits_total", "Hits.", {"path"});
  GaugeFamily& level = registry.Gauge("level", "Level.", {});
  HistogramFamily& latency = registry.Histogram("lat_seconds", "Latency.", {}, {0.5, 1});
  constexpr int kThreads = 4, kPerThread = 10000;
  std::vector<std::thread> threads;
  for (int t = 0; t < kThreads; ++t) {
    threads.emplace_back([&] {
      for (int i = 0; i < kPerThread; ++i) {
        hits.WithLabels({"/"}).Increment(0.5);
        level.WithLabels({}).Increment();
        latency.WithLabels({}).Observe(0.75);
      }
    });
  }
  std::thread scraper([&] {
    for (int i = 0; i < 20; ++i) registry.Collect();
  });
  for (auto& thread : threads) thread.join();
  scraper.join();
  EXPECT_EQ(hits.WithLabels({"/"}).Value(), kThreads * kPerThread * 0.5);
  EXPECT_EQ(level.WithLabels({}).Value(), kThreads * kPerThread);
  Sample sample = latency.WithLabels({}).Snapshot();
  EXPECT_EQ(sample.count, uint64_t{kThreads * kPerThread});
  EXPECT_DOUBLE_EQ(sample.sum, kThreads * kPerThread * 0.75);
  EXPECT_EQ(sample.buckets[0].second, 0u);                               // le=0.5
  EXPECT_EQ(sample.buckets[1].second, uint64_t{kThreads * kPerThread});  // le=1
  EXPECT_EQ(sample.buckets[2].second, uint64_t{kThreads * kPerThread});  // le=+Inf
}

TEST(RegistryTest, DefaultIsOneRegistry) { EXPECT_EQ(&Registry::Default(), &Registry::Default()); }

TEST(RegistryTest, DefaultLatencyBucketsSpanMillisecondsToSeconds) {
  std::vector<double> buckets = DefaultLatencyBuckets();
  EXPECT_EQ(buckets.front(), 0.001);
  EXPECT_EQ(buckets.back(), 10);
  EXPECT_TRUE(std::is_sorted(buckets.begin(), buckets.end()));
}

}  // namespace
}  // namespace berth::metrics
