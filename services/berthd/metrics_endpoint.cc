#include "services/berthd/metrics_endpoint.h"

#include <chrono>
#include <cstring>

#include <grpcpp/client_context.h>

#include "absl/strings/str_cat.h"
#include "berth/metrics/v1/metrics.grpc.pb.h"
#include "civetweb.h"
#include "services/common/metrics/exposition.h"
#include "services/common/metrics/merge.h"
#include "services/common/metrics/proto_convert.h"

namespace berth::berthd {
namespace {

int HandleMetrics(mg_connection* connection, void* data) {
  auto* endpoint = static_cast<MetricsEndpoint*>(data);
  const mg_request_info* request = mg_get_request_info(connection);
  if (std::strcmp(request->request_method, "GET") != 0 &&
      std::strcmp(request->request_method, "HEAD") != 0) {
    mg_printf(connection,
              "HTTP/1.1 405 Method Not Allowed\r\nAllow: GET, HEAD\r\nContent-Length: 0\r\n"
              "Connection: close\r\n\r\n");
    return 405;
  }
  std::string body = endpoint->Render();
  mg_printf(connection,
            "HTTP/1.1 200 OK\r\nContent-Type: %s\r\nContent-Length: %zu\r\n"
            "Connection: close\r\n\r\n",
            metrics::kTextContentType, body.size());
  if (std::strcmp(request->request_method, "GET") == 0) {
    mg_write(connection, body.data(), body.size());
  }
  return 200;
}

}  // namespace

absl::StatusOr<std::unique_ptr<MetricsEndpoint>> MetricsEndpoint::Start(
    const std::string& addr, std::function<std::string()> render) {
  std::unique_ptr<MetricsEndpoint> endpoint(new MetricsEndpoint(std::move(render)));
  const char* options[] = {"listening_ports", addr.c_str(), "num_threads", "4",
                           "enable_keep_alive", "no", nullptr};
  mg_callbacks callbacks{};
  endpoint->context_ = mg_start(&callbacks, nullptr, options);
  if (endpoint->context_ == nullptr) {
    return absl::UnavailableError(absl::StrCat("metrics: cannot listen on ", addr,
                                               " (address in use or invalid)"));
  }
  mg_set_request_handler(endpoint->context_, "/metrics$", HandleMetrics, endpoint.get());
  return endpoint;
}

MetricsEndpoint::~MetricsEndpoint() {
  if (context_ != nullptr) mg_stop(context_);
}

std::string GatherMetrics(const Supervisor& supervisor, const Backends& backends,
                          metrics::Registry& own) {
  std::vector<std::vector<metrics::MetricFamily>> sources;
  std::vector<metrics::MetricFamily> berthd = own.Collect();
  metrics::AddLabel(&berthd, "service", "berthd");
  sources.push_back(std::move(berthd));

  metrics::MetricFamily scrape_ok{"berth_service_scrape_success",
                                  "Whether berthd could collect the service's metrics in this "
                                  "scrape.",
                                  metrics::MetricType::kGauge,
                                  {}};
  for (const ServiceStatus& service : supervisor.Snapshot()) {
    bool ok = false;
    if (service.pid > 0) {
      if (std::shared_ptr<grpc::Channel> channel = backends.Get(service.name)) {
        auto stub = berth::metrics::v1::Metrics::NewStub(channel);
        grpc::ClientContext context;
        context.set_deadline(std::chrono::system_clock::now() + std::chrono::seconds(2));
        berth::metrics::v1::ScrapeResponse response;
        if (stub->Scrape(&context, {}, &response).ok()) {
          std::vector<metrics::MetricFamily> families = metrics::FromProto(response);
          metrics::AddLabel(&families, "service", service.name);
          sources.push_back(std::move(families));
          ok = true;
        }
      }
    }
    metrics::Sample sample;
    sample.labels = {{"service", service.name}};
    sample.value = ok ? 1 : 0;
    scrape_ok.samples.push_back(std::move(sample));
  }
  sources.push_back({std::move(scrape_ok)});
  return metrics::RenderText(metrics::MergeFamilies(std::move(sources)));
}

}  // namespace berth::berthd
