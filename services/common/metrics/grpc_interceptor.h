#ifndef BERTH_SERVICES_COMMON_METRICS_GRPC_INTERCEPTOR_H_
#define BERTH_SERVICES_COMMON_METRICS_GRPC_INTERCEPTOR_H_

// Counts every gRPC call a server handles, by service, method and status
// code, with its latency and the calls in progress:
//   berth_grpc_requests_total{grpc_service, grpc_method, grpc_code}
//   berth_grpc_request_duration_seconds{grpc_service, grpc_method}
//   berth_grpc_requests_in_flight{grpc_service, grpc_method}
// Install it with ServerBuilder::experimental().SetInterceptorCreators.

#include <functional>
#include <memory>
#include <string>
#include <utility>

#include <grpcpp/support/server_interceptor.h>

#include "services/common/metrics/registry.h"

namespace berth::metrics {

// Whether the server really has this method. A generic server (berthd's
// proxy) accepts any path a client makes up; each would become new series.
using MethodFilter = std::function<bool(const std::string& service, const std::string& method)>;

// registry must outlive every server built with the factory. Calls to
// methods is_known rejects are labelled grpc_service="unknown",
// grpc_method="unknown", as gRPC's own handler for unregistered methods is
// on an ordinary server. Without is_known every path is taken as it comes.
std::unique_ptr<grpc::experimental::ServerInterceptorFactoryInterface>
MakeServerMetricsInterceptorFactory(Registry& registry, MethodFilter is_known = nullptr);

// "/pkg.Service/Method" -> {"pkg.Service", "Method"}. Anything else ->
// {"unknown", path}, or {"unknown", "unknown"} when path is empty.
std::pair<std::string, std::string> SplitMethodPath(const std::string& path);

// The canonical upper-case name of a gRPC status code ("OK", "NOT_FOUND").
const char* StatusCodeName(int code);

}  // namespace berth::metrics

#endif  // BERTH_SERVICES_COMMON_METRICS_GRPC_INTERCEPTOR_H_
