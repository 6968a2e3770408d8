#ifndef BERTH_SERVICES_BERTHD_SYSTEM_SERVICE_H_
#define BERTH_SERVICES_BERTHD_SYSTEM_SERVICE_H_

// berth.system.v1.System: versions, health and `berth info`, answered by
// berthd from its own state, the host, and counts asked of each service.

#include "berth/system/v1/system.grpc.pb.h"
#include "services/berthd/backends.h"
#include "services/berthd/supervisor.h"
#include "services/common/config/daemon_config.h"
#include "services/common/config/live_config.h"

namespace berth::berthd {

class SystemService final : public berth::system::v1::System::Service {
 public:
  SystemService(const config::LiveConfig* config, const Supervisor* supervisor,
                const Backends* backends, std::string daemon_id)
      : config_(config), supervisor_(supervisor), backends_(backends),
        daemon_id_(std::move(daemon_id)) {}

  grpc::Status Ping(grpc::ServerContext* context, const berth::system::v1::PingRequest* request,
                    berth::system::v1::PingResponse* response) override;
  grpc::Status Version(grpc::ServerContext* context,
                       const berth::system::v1::VersionRequest* request,
                       berth::system::v1::VersionResponse* response) override;
  grpc::Status Info(grpc::ServerContext* context, const berth::system::v1::InfoRequest* request,
                    berth::system::v1::InfoResponse* response) override;

 private:
  // SERVING, NOT_SERVING or UNKNOWN from the service's gRPC health check.
  std::string Health(const std::string& service) const;
  void CountObjects(berth::system::v1::InfoResponse* response) const;

  // Debug, labels and registry settings change on a reload.
  const config::LiveConfig* config_;
  const Supervisor* supervisor_;
  const Backends* backends_;
  std::string daemon_id_;
};

}  // namespace berth::berthd

#endif  // BERTH_SERVICES_BERTHD_SYSTEM_SERVICE_H_
