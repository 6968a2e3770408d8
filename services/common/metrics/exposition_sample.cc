// Prints a registry with every kind of metric, escaping included, for
// promtool_check_test to check.

#include <cstdio>
#include <limits>

#include "services/common/metrics/exposition.h"
#include "services/common/metrics/registry.h"

int main() {
  berth::metrics::Registry registry;
  registry
      .Counter("berth_sample_requests_total", "Requests, with \"quotes\" and \\ in help.",
               {"path", "code"})
      .WithLabels({"/a\"b\\c\nd", "200"})
      .Increment(42);
  auto& temperature =
      registry.Gauge("berth_sample_temperature_celsius", "A gauge.\nSecond line.", {"room"});
  temperature.WithLabels({"kitchen"}).Set(21.5);
  temperature.WithLabels({"oven"}).Set(std::numeric_limits<double>::infinity());
  temperature.WithLabels({"unicode \xe2\x9c\x93"}).Set(-3);
  auto& latency = registry.Histogram("berth_sample_request_duration_seconds", "A histogram.",
                                     {"method"}, berth::metrics::DefaultLatencyBuckets());
  for (double v : {0.0005, 0.003, 0.2, 3.0, 20.0}) latency.WithLabels({"Get"}).Observe(v);
  latency.WithLabels({"Put"});
  registry.AddCollector([](std::vector<berth::metrics::MetricFamily>* out) {
    out->push_back({"berth_sample_up",
                    "Computed at scrape time.",
                    berth::metrics::MetricType::kGauge,
                    {{{{"service", "images"}}, 1, {}, 0, 0}}});
  });
  std::fputs(berth::metrics::RenderText(registry.Collect()).c_str(), stdout);
  return 0;
}
