#ifndef BERTH_SERVICES_CRI_RUNTIME_SERVICE_H_
#define BERTH_SERVICES_CRI_RUNTIME_SERVICE_H_

// runtime.v1.RuntimeService. Version, Status, RuntimeConfig and
// UpdateRuntimeConfig are served; pod sandboxes, containers, streaming and
// stats are the next stage and answer UNIMPLEMENTED (the generated base).

#include "k8s/cri/runtime/v1/api.grpc.pb.h"
#include "services/cri/runtime_info.h"

namespace berth::cri {

class RuntimeService final : public runtime::v1::RuntimeService::Service {
 public:
  explicit RuntimeService(RuntimeInfo* info) : info_(info) {}

  grpc::Status Version(grpc::ServerContext* context, const runtime::v1::VersionRequest* request,
                       runtime::v1::VersionResponse* response) override;
  grpc::Status Status(grpc::ServerContext* context, const runtime::v1::StatusRequest* request,
                      runtime::v1::StatusResponse* response) override;
  grpc::Status RuntimeConfig(grpc::ServerContext* context,
                             const runtime::v1::RuntimeConfigRequest* request,
                             runtime::v1::RuntimeConfigResponse* response) override;
  grpc::Status UpdateRuntimeConfig(grpc::ServerContext* context,
                                   const runtime::v1::UpdateRuntimeConfigRequest* request,
                                   runtime::v1::UpdateRuntimeConfigResponse* response) override;

 private:
  RuntimeInfo* info_;
};

}  // namespace berth::cri

#endif  // BERTH_SERVICES_CRI_RUNTIME_SERVICE_H_
