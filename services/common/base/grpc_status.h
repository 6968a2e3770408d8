#ifndef BERTH_SERVICES_COMMON_BASE_GRPC_STATUS_H_
#define BERTH_SERVICES_COMMON_BASE_GRPC_STATUS_H_

// absl::Status and grpc::Status share the canonical codes; these convert at
// the boundary between our code (absl) and the wire (gRPC).

#include <grpcpp/support/status.h>

#include "absl/status/status.h"

namespace berth {

inline grpc::Status ToGrpcStatus(const absl::Status& status) {
  if (status.ok()) return grpc::Status::OK;
  return grpc::Status(static_cast<grpc::StatusCode>(status.code()),
                      std::string(status.message()));
}

// The same, with what was being done in front: "pull busybox: <message>".
inline grpc::Status ToGrpcStatus(const absl::Status& status, const std::string& context) {
  if (status.ok()) return grpc::Status::OK;
  return grpc::Status(static_cast<grpc::StatusCode>(status.code()),
                      context + ": " + std::string(status.message()));
}

inline absl::Status FromGrpcStatus(const grpc::Status& status) {
  if (status.ok()) return absl::OkStatus();
  return absl::Status(static_cast<absl::StatusCode>(status.error_code()),
                      status.error_message());
}

}  // namespace berth

#endif  // BERTH_SERVICES_COMMON_BASE_GRPC_STATUS_H_
