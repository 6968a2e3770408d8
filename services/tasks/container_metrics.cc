#include "services/tasks/container_metrics.h"

#include <algorithm>
#include <atomic>
#include <map>
#include <thread>

#include "absl/time/clock.h"

namespace berth::tasks {
namespace {

using metrics::MetricFamily;
using metrics::MetricType;

// Threads asking shims for their statistics during a scrape.
constexpr size_t kStatsReaders = 4;

struct Series {
  const char* name;
  const char* help;
  MetricType type;
  double (*value)(const berth::shim::v1::Stats&);
};

const Series kSeries[] = {
    {"container_cpu_usage_seconds_total", "Cumulative cpu time consumed in seconds.",
     MetricType::kCounter, [](const auto& s) { return s.cpu_usage_ns() / 1e9; }},
    {"container_cpu_user_seconds_total", "Cumulative user cpu time consumed in seconds.",
     MetricType::kCounter, [](const auto& s) { return s.cpu_user_ns() / 1e9; }},
    {"container_cpu_system_seconds_total", "Cumulative system cpu time consumed in seconds.",
     MetricType::kCounter, [](const auto& s) { return s.cpu_system_ns() / 1e9; }},
    {"container_cpu_cfs_periods_total", "Number of elapsed enforcement period intervals.",
     MetricType::kCounter, [](const auto& s) { return static_cast<double>(s.cpu_periods()); }},
    {"container_cpu_cfs_throttled_periods_total", "Number of throttled period intervals.",
     MetricType::kCounter,
     [](const auto& s) { return static_cast<double>(s.cpu_throttled_periods()); }},
    {"container_cpu_cfs_throttled_seconds_total",
     "Total time duration the container has been throttled.", MetricType::kCounter,
     [](const auto& s) { return s.cpu_throttled_ns() / 1e9; }},
    {"container_memory_usage_bytes", "Current memory usage in bytes, including all memory regardless of when it was accessed.",
     MetricType::kGauge, [](const auto& s) { return static_cast<double>(s.memory_usage_bytes()); }},
    {"container_memory_working_set_bytes", "Current working set in bytes.", MetricType::kGauge,
     [](const auto& s) { return static_cast<double>(s.memory_working_set_bytes()); }},
    {"container_memory_rss", "Size of RSS in bytes.", MetricType::kGauge,
     [](const auto& s) { return static_cast<double>(s.memory_rss_bytes()); }},
    {"container_memory_cache", "Number of bytes of page cache memory.", MetricType::kGauge,
     [](const auto& s) { return static_cast<double>(s.memory_cache_bytes()); }},
    {"container_memory_failcnt", "Number of memory usage hits limits", MetricType::kCounter,
     [](const auto& s) { return static_cast<double>(s.memory_failcnt()); }},
    {"container_oom_events_total", "Count of out of memory events observed for the container",
     MetricType::kCounter, [](const auto& s) { return static_cast<double>(s.oom_kills()); }},
    {"container_spec_memory_limit_bytes", "Memory limit for the container.", MetricType::kGauge,
     // cAdvisor reports 0 for no limit (the kernel's "max" or a huge number).
     [](const auto& s) {
       return s.memory_limit_bytes() >= (1ull << 62) ? 0.0 : static_cast<double>(s.memory_limit_bytes());
     }},
    {"container_processes", "Number of processes running inside the container.",
     MetricType::kGauge, [](const auto& s) { return static_cast<double>(s.pids_current()); }},
    {"container_fs_reads_bytes_total", "Cumulative count of bytes read", MetricType::kCounter,
     [](const auto& s) { return static_cast<double>(s.blkio_read_bytes()); }},
    {"container_fs_writes_bytes_total", "Cumulative count of bytes written", MetricType::kCounter,
     [](const auto& s) { return static_cast<double>(s.blkio_write_bytes()); }},
    {"container_network_receive_bytes_total", "Cumulative count of bytes received",
     MetricType::kCounter, [](const auto& s) { return static_cast<double>(s.net_rx_bytes()); }},
    {"container_network_transmit_bytes_total", "Cumulative count of bytes transmitted",
     MetricType::kCounter, [](const auto& s) { return static_cast<double>(s.net_tx_bytes()); }},
};

// Every shim is asked at once by a few threads: each answer is a round
// trip and a dozen cgroup files read by that shim, and the shims run on
// every core.
std::vector<absl::StatusOr<berth::shim::v1::Stats>> ReadAllStats(const std::vector<Container>& running,
                                                                  TaskManager& tasks) {
  std::vector<absl::StatusOr<berth::shim::v1::Stats>> results(running.size(),
                                                              absl::UnknownError("not read"));
  std::atomic<size_t> next{0};
  auto work = [&] {
    for (size_t i = next++; i < running.size(); i = next++) results[i] = tasks.Stats(running[i].id());
  };
  size_t workers = std::min<size_t>(kStatsReaders, running.size());
  std::vector<std::thread> threads;
  for (size_t i = 1; i < workers; ++i) threads.emplace_back(work);
  work();
  for (std::thread& thread : threads) thread.join();
  return results;
}

}  // namespace

void CollectContainerMetrics(const ContainerStore& store, TaskManager& tasks,
                             std::vector<MetricFamily>* out) {
  std::vector<MetricFamily> families;
  for (const Series& series : kSeries) families.push_back({series.name, series.help, series.type, {}});
  MetricFamily start{"container_start_time_seconds", "Start time of the container since unix epoch in seconds.",
                     MetricType::kGauge, {}};
  MetricFamily seen{"container_last_seen", "Last time a container was seen by the exporter",
                    MetricType::kGauge, {}};
  double now = absl::ToDoubleSeconds(absl::Now() - absl::UnixEpoch());
  std::vector<Container> running;
  for (Container& container : store.All()) {
    if (IsRunning(container)) running.push_back(std::move(container));
  }
  std::vector<absl::StatusOr<berth::shim::v1::Stats>> all_stats = ReadAllStats(running, tasks);
  for (size_t index = 0; index < running.size(); ++index) {
    const Container& container = running[index];
    const absl::StatusOr<berth::shim::v1::Stats>& stats = all_stats[index];
    if (!stats.ok()) continue;
    // namespace: as containerd labels its per-container series.
    metrics::Labels labels = {{"id", "/berth/" + container.id()},
                              {"image", container.spec().image()},
                              {"name", container.name()},
                              {"namespace", container.namespace_()}};
    for (size_t i = 0; i < std::size(kSeries); ++i) {
      metrics::Sample sample;
      sample.labels = labels;
      sample.value = kSeries[i].value(*stats);
      families[i].samples.push_back(std::move(sample));
    }
    metrics::Sample started;
    started.labels = labels;
    started.value = static_cast<double>(container.state().started_at().seconds()) +
                    container.state().started_at().nanos() / 1e9;
    start.samples.push_back(started);
    metrics::Sample last;
    last.labels = labels;
    last.value = now;
    seen.samples.push_back(last);
  }
  families.push_back(std::move(start));
  families.push_back(std::move(seen));
  for (auto& family : families) {
    if (!family.samples.empty()) out->push_back(std::move(family));
  }
}

}  // namespace berth::tasks
