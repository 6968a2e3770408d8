#include "services/cri/runtime_service.h"

#include "services/common/base/grpc_status.h"

namespace berth::cri {

grpc::Status RuntimeService::Version(grpc::ServerContext*, const runtime::v1::VersionRequest*,
                                     runtime::v1::VersionResponse* response) {
  *response = info_->Version();
  return grpc::Status::OK;
}

grpc::Status RuntimeService::Status(grpc::ServerContext*,
                                    const runtime::v1::StatusRequest* request,
                                    runtime::v1::StatusResponse* response) {
  auto status = info_->Status(request->verbose());
  if (!status.ok()) return ToGrpcStatus(status.status(), "status");
  *response = *std::move(status);
  return grpc::Status::OK;
}

grpc::Status RuntimeService::RuntimeConfig(grpc::ServerContext*,
                                           const runtime::v1::RuntimeConfigRequest*,
                                           runtime::v1::RuntimeConfigResponse* response) {
  *response = info_->Config();
  return grpc::Status::OK;
}

grpc::Status RuntimeService::UpdateRuntimeConfig(
    grpc::ServerContext*, const runtime::v1::UpdateRuntimeConfigRequest* request,
    runtime::v1::UpdateRuntimeConfigResponse*) {
  return ToGrpcStatus(info_->Update(request->runtime_config()), "update runtime config");
}

}  // namespace berth::cri
