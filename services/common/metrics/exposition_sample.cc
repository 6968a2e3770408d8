// Prints a registry with every kind of metric, for promtool to check.

#include <cstdio>

#include "services/common/metrics/exposition.h"
#include "services/common/metrics/registry.h"

int main() {
  berth::metrics::Registry registry;
  registry.Counter("berth_sample_requests_total", "Requests, with \"quotes\" and \\ in help.",
                   {"path", "code"})
      .WithLabels({"/a\"b\\c\nd", "200"})
      .Increment(42);
  registry.Gauge("berth_sample_temperature_celsius", "A gauge.", {"room"})
      .WithLabels({"kitchen"})
      .Set(21.5);
  auto& latency = registry.Histogram("berth_sample_request_duration_seconds", "A histogram.",
                                     {"method"}, berth::metrics::DefaultLatencyBuckets());
  for (double v : {0.0005, 0.003, 0.2, 3.0, 20.0}) latency.WithLabels({"Get"}).Observe(v);
  std::fputs(berth::metrics::RenderText(registry.Collect()).c_str(), stdout);
  return 0;
}
