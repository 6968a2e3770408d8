#include "services/common/metrics/grpc_interceptor.h"

#include "absl/status/status.h"
#include "absl/time/clock.h"

namespace berth::metrics {
namespace {

struct Families {
  CounterFamily* requests;
  HistogramFamily* duration;
  GaugeFamily* in_flight;
};

class MetricsInterceptor final : public grpc::experimental::Interceptor {
 public:
  MetricsInterceptor(const Families& families, const char* method)
      : families_(families), start_(absl::Now()) {
    auto [service, name] = SplitMethodPath(method ? method : "");
    service_ = std::move(service);
    method_ = std::move(name);
    families_.in_flight->WithLabels({service_, method_}).Increment();
  }

  ~MetricsInterceptor() override {
    // A call cancelled before any status was sent still counts.
    if (!recorded_) Record("CANCELLED");
    families_.in_flight->WithLabels({service_, method_}).Decrement();
  }

  void Intercept(grpc::experimental::InterceptorBatchMethods* methods) override {
    if (methods->QueryInterceptionHookPoint(
            grpc::experimental::InterceptionHookPoints::PRE_SEND_STATUS)) {
      grpc::Status status = methods->GetSendStatus();
      Record(absl::StatusCodeToString(static_cast<absl::StatusCode>(status.error_code())));
    }
    methods->Proceed();
  }

 private:
  void Record(const std::string& code) {
    recorded_ = true;
    families_.requests->WithLabels({service_, method_, code}).Increment();
    families_.duration->WithLabels({service_, method_})
        .Observe(absl::ToDoubleSeconds(absl::Now() - start_));
  }

  Families families_;
  absl::Time start_;
  std::string service_;
  std::string method_;
  bool recorded_ = false;
};

class MetricsInterceptorFactory final
    : public grpc::experimental::ServerInterceptorFactoryInterface {
 public:
  explicit MetricsInterceptorFactory(Registry& registry)
      : families_{&registry.Counter("berth_grpc_requests_total",
                                    "gRPC calls handled, by service, method and status code.",
                                    {"grpc_service", "grpc_method", "grpc_code"}),
                  &registry.Histogram("berth_grpc_request_duration_seconds",
                                      "Time from the start of a gRPC call to its status.",
                                      {"grpc_service", "grpc_method"}, DefaultLatencyBuckets()),
                  &registry.Gauge("berth_grpc_requests_in_flight",
                                  "gRPC calls being handled now.",
                                  {"grpc_service", "grpc_method"})} {}

  grpc::experimental::Interceptor* CreateServerInterceptor(
      grpc::experimental::ServerRpcInfo* info) override {
    return new MetricsInterceptor(families_, info->method());
  }

 private:
  Families families_;
};

}  // namespace

std::pair<std::string, std::string> SplitMethodPath(const std::string& path) {
  if (path.size() > 1 && path[0] == '/') {
    size_t slash = path.find('/', 1);
    if (slash != std::string::npos && slash > 1 && slash + 1 < path.size()) {
      return {path.substr(1, slash - 1), path.substr(slash + 1)};
    }
  }
  return {"unknown", path};
}

std::unique_ptr<grpc::experimental::ServerInterceptorFactoryInterface>
MakeServerMetricsInterceptorFactory(Registry& registry) {
  return std::make_unique<MetricsInterceptorFactory>(registry);
}

}  // namespace berth::metrics
