#ifndef BERTH_SERVICES_COMMON_METRICS_GRPC_INTERCEPTOR_H_
#define BERTH_SERVICES_COMMON_METRICS_GRPC_INTERCEPTOR_H_

// Counts every gRPC call a server handles by service, method and status
// code, with a latency histogram and an in-flight gauge:
//   berth_grpc_requests_total{grpc_service, grpc_method, grpc_code}
//   berth_grpc_request_duration_seconds{grpc_service, grpc_method}
//   berth_grpc_requests_in_flight{grpc_service, grpc_method}

#include <memory>
#include <string>
#include <utility>

#include <grpcpp/support/server_interceptor.h>

#include "services/common/metrics/registry.h"

namespace berth::metrics {

std::unique_ptr<grpc::experimental::ServerInterceptorFactoryInterface>
MakeServerMetricsInterceptorFactory(Registry& registry);

// "/pkg.Service/Method" → {"pkg.Service", "Method"}; {"unknown", path}
// when the path is malformed.
std::pair<std::string, std::string> SplitMethodPath(const std::string& path);

}  // namespace berth::metrics

#endif  // BERTH_SERVICES_COMMON_METRICS_GRPC_INTERCEPTOR_H_
