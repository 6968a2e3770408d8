#include "services/docker/http_metrics.h"

#include <map>

#include "gtest/gtest.h"

namespace berth::docker {
namespace {

http::HttpRequest Request(const std::string& method, const std::string& path) {
  http::HttpRequest request;
  request.method = method;
  request.path = path;
  return request;
}

double Value(const std::vector<metrics::MetricFamily>& families, const std::string& name,
             const metrics::Labels& labels) {
  for (const auto& family : families) {
    if (family.name != name) continue;
    for (const auto& sample : family.samples) {
      std::map<std::string, std::string> have(sample.labels.begin(), sample.labels.end());
      std::map<std::string, std::string> want(labels.begin(), labels.end());
      if (have == want) return family.type == metrics::MetricType::kHistogram
                                               ? static_cast<double>(sample.count)
                                               : sample.value;
    }
  }
  return -1;
}

TEST(HttpMetricsTest, LabelsByRoutePatternNotPath) {
  metrics::Registry registry;
  Router router;
  router.Add("POST", "/containers/{id}/start",
             [](const ApiRequest&) { return http::HttpResponse::Empty(204); });
  HttpMetrics http(registry, router);
  http.Observe(Request("POST", "/v1.45/containers/abc/start"), 204, 0.002);
  http.Observe(Request("POST", "/containers/def/start"), 204, 0.003);
  http.Observe(Request("GET", "/no/such/path/123"), 404, 0.001);
  http.Observe(Request("BREW", "/containers/x/start"), 404, 0.001);
  auto families = registry.Collect();
  EXPECT_EQ(Value(families, "berth_http_requests_total",
                  {{"code", "204"}, {"method", "POST"}, {"route", "/containers/{id}/start"}}),
            2);
  EXPECT_EQ(Value(families, "berth_http_requests_total",
                  {{"code", "404"}, {"method", "GET"}, {"route", "other"}}),
            1);
  EXPECT_EQ(Value(families, "berth_http_requests_total",
                  {{"code", "404"}, {"method", "other"}, {"route", "other"}}),
            1)
      << "an unknown method is no new series";
  EXPECT_EQ(Value(families, "berth_http_request_duration_seconds",
                  {{"method", "POST"}, {"route", "/containers/{id}/start"}}),
            2);
}

}  // namespace
}  // namespace berth::docker
