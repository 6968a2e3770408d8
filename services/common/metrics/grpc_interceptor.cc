#include "services/common/metrics/grpc_interceptor.h"

#include <chrono>
#include <iterator>
#include <string>
#include <utility>

#include <grpcpp/support/interceptor.h>
#include <grpcpp/support/status.h>

namespace berth::metrics {
namespace {

using grpc::experimental::InterceptionHookPoints;

struct Families {
  CounterFamily& requests;
  HistogramFamily& duration;
  GaugeFamily& in_flight;
};

// One per call: created when the server starts handling it, destroyed with
// the call.
class MetricsInterceptor final : public grpc::experimental::Interceptor {
 public:
  MetricsInterceptor(const Families& families, std::string service, std::string method)
      : families_(families),
        start_(std::chrono::steady_clock::now()),
        service_(std::move(service)),
        method_(std::move(method)) {
    families_.in_flight.WithLabels({service_, method_}).Increment();
  }

  ~MetricsInterceptor() override {
    // A call can end without the server sending a status (the client went
    // away first); it still counts, as cancelled.
    if (!recorded_) Record(StatusCodeName(grpc::StatusCode::CANCELLED));
    families_.in_flight.WithLabels({service_, method_}).Decrement();
  }

  void Intercept(grpc::experimental::InterceptorBatchMethods* methods) override {
    if (methods->QueryInterceptionHookPoint(InterceptionHookPoints::PRE_SEND_STATUS)) {
      Record(StatusCodeName(methods->GetSendStatus().error_code()));
    }
    methods->Proceed();
  }

 private:
  void Record(const char* code) {
    recorded_ = true;
    std::chrono::duration<double> elapsed = std::chrono::steady_clock::now() - start_;
    families_.requests.WithLabels({service_, method_, code}).Increment();
    families_.duration.WithLabels({service_, method_}).Observe(elapsed.count());
  }

  // The families live in the registry, which outlives servers and calls.
  const Families families_;
  const std::chrono::steady_clock::time_point start_;
  std::string service_;
  std::string method_;
  // Only gRPC's thread handling the call's batches touches it.
  bool recorded_ = false;
};

class MetricsInterceptorFactory final
    : public grpc::experimental::ServerInterceptorFactoryInterface {
 public:
  MetricsInterceptorFactory(Registry& registry, MethodFilter is_known)
      : is_known_(std::move(is_known)),
        families_{registry.Counter("berth_grpc_requests_total",
                                   "gRPC calls handled, by service, method and status code.",
                                   {"grpc_service", "grpc_method", "grpc_code"}),
                  registry.Histogram("berth_grpc_request_duration_seconds",
                                     "Time from the start of a gRPC call to its status.",
                                     {"grpc_service", "grpc_method"}, DefaultLatencyBuckets()),
                  registry.Gauge("berth_grpc_requests_in_flight", "gRPC calls being handled now.",
                                 {"grpc_service", "grpc_method"})} {}

  grpc::experimental::Interceptor* CreateServerInterceptor(
      grpc::experimental::ServerRpcInfo* info) override {
    // For a generic service method() is the path the client sent, maybe
    // malformed; for an ordinary server's unregistered methods, "unknown".
    auto [service, method] = SplitMethodPath(info->method() != nullptr ? info->method() : "");
    if (is_known_ != nullptr && !is_known_(service, method)) service = method = "unknown";
    return new MetricsInterceptor(families_, std::move(service), std::move(method));
  }

 private:
  const MethodFilter is_known_;
  const Families families_;
};

}  // namespace

std::pair<std::string, std::string> SplitMethodPath(const std::string& path) {
  if (path.size() > 1 && path[0] == '/') {
    size_t slash = path.find('/', 1);
    if (slash != std::string::npos && slash > 1 && slash + 1 < path.size() &&
        path.find('/', slash + 1) == std::string::npos) {
      return {path.substr(1, slash - 1), path.substr(slash + 1)};
    }
  }
  return {"unknown", path.empty() ? "unknown" : path};
}

const char* StatusCodeName(int code) {
  static constexpr const char* kNames[] = {
      "OK",
      "CANCELLED",
      "UNKNOWN",
      "INVALID_ARGUMENT",
      "DEADLINE_EXCEEDED",
      "NOT_FOUND",
      "ALREADY_EXISTS",
      "PERMISSION_DENIED",
      "RESOURCE_EXHAUSTED",
      "FAILED_PRECONDITION",
      "ABORTED",
      "OUT_OF_RANGE",
      "UNIMPLEMENTED",
      "INTERNAL",
      "UNAVAILABLE",
      "DATA_LOSS",
      "UNAUTHENTICATED",
  };
  // Codes outside the canonical range read as UNKNOWN, as gRPC clients do.
  if (code < 0 || code >= static_cast<int>(std::size(kNames))) return "UNKNOWN";
  return kNames[code];
}

std::unique_ptr<grpc::experimental::ServerInterceptorFactoryInterface>
MakeServerMetricsInterceptorFactory(Registry& registry, MethodFilter is_known) {
  return std::make_unique<MetricsInterceptorFactory>(registry, std::move(is_known));
}

}  // namespace berth::metrics
