#ifndef BERTH_SERVICES_CRI_RUNTIME_SERVICE_H_
#define BERTH_SERVICES_CRI_RUNTIME_SERVICE_H_

// runtime.v1.RuntimeService: runtime info (Version, Status, RuntimeConfig,
// UpdateRuntimeConfig), pod sandboxes, containers, ExecSync and the
// streaming URLs (Exec, Attach, PortForward), resource updates,
// statistics and container events.

#include "k8s/cri/runtime/v1/api.grpc.pb.h"
#include "services/cri/container_events.h"
#include "services/cri/cri_containers.h"
#include "services/cri/cri_stats.h"
#include "services/cri/pod_sandboxes.h"
#include "services/cri/runtime_info.h"
#include "services/cri/stream_server.h"

namespace berth::cri {

class RuntimeService final : public runtime::v1::RuntimeService::Service {
 public:
  // streams: null when streaming is off (Exec, Attach, PortForward then
  // answer UNAVAILABLE).
  RuntimeService(RuntimeInfo* info, PodSandboxes* pods, CriContainers* containers,
                 CriStats* stats, ContainerEvents* events, StreamServer* streams)
      : info_(info),
        pods_(pods),
        containers_(containers),
        stats_(stats),
        events_(events),
        streams_(streams) {}

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

  grpc::Status RunPodSandbox(grpc::ServerContext* context,
                             const runtime::v1::RunPodSandboxRequest* request,
                             runtime::v1::RunPodSandboxResponse* response) override;
  grpc::Status StopPodSandbox(grpc::ServerContext* context,
                              const runtime::v1::StopPodSandboxRequest* request,
                              runtime::v1::StopPodSandboxResponse* response) override;
  grpc::Status RemovePodSandbox(grpc::ServerContext* context,
                                const runtime::v1::RemovePodSandboxRequest* request,
                                runtime::v1::RemovePodSandboxResponse* response) override;
  grpc::Status PodSandboxStatus(grpc::ServerContext* context,
                                const runtime::v1::PodSandboxStatusRequest* request,
                                runtime::v1::PodSandboxStatusResponse* response) override;
  grpc::Status ListPodSandbox(grpc::ServerContext* context,
                              const runtime::v1::ListPodSandboxRequest* request,
                              runtime::v1::ListPodSandboxResponse* response) override;

  grpc::Status CreateContainer(grpc::ServerContext* context,
                               const runtime::v1::CreateContainerRequest* request,
                               runtime::v1::CreateContainerResponse* response) override;
  grpc::Status StartContainer(grpc::ServerContext* context,
                              const runtime::v1::StartContainerRequest* request,
                              runtime::v1::StartContainerResponse* response) override;
  grpc::Status StopContainer(grpc::ServerContext* context,
                             const runtime::v1::StopContainerRequest* request,
                             runtime::v1::StopContainerResponse* response) override;
  grpc::Status RemoveContainer(grpc::ServerContext* context,
                               const runtime::v1::RemoveContainerRequest* request,
                               runtime::v1::RemoveContainerResponse* response) override;
  grpc::Status ListContainers(grpc::ServerContext* context,
                              const runtime::v1::ListContainersRequest* request,
                              runtime::v1::ListContainersResponse* response) override;
  grpc::Status ContainerStatus(grpc::ServerContext* context,
                               const runtime::v1::ContainerStatusRequest* request,
                               runtime::v1::ContainerStatusResponse* response) override;
  grpc::Status ExecSync(grpc::ServerContext* context, const runtime::v1::ExecSyncRequest* request,
                        runtime::v1::ExecSyncResponse* response) override;
  grpc::Status ReopenContainerLog(grpc::ServerContext* context,
                                  const runtime::v1::ReopenContainerLogRequest* request,
                                  runtime::v1::ReopenContainerLogResponse* response) override;

  grpc::Status Exec(grpc::ServerContext* context, const runtime::v1::ExecRequest* request,
                    runtime::v1::ExecResponse* response) override;
  grpc::Status Attach(grpc::ServerContext* context, const runtime::v1::AttachRequest* request,
                      runtime::v1::AttachResponse* response) override;
  grpc::Status PortForward(grpc::ServerContext* context,
                           const runtime::v1::PortForwardRequest* request,
                           runtime::v1::PortForwardResponse* response) override;

  grpc::Status UpdateContainerResources(grpc::ServerContext* context,
                                        const runtime::v1::UpdateContainerResourcesRequest* request,
                                        runtime::v1::UpdateContainerResourcesResponse* response) override;
  grpc::Status ContainerStats(grpc::ServerContext* context,
                              const runtime::v1::ContainerStatsRequest* request,
                              runtime::v1::ContainerStatsResponse* response) override;
  grpc::Status ListContainerStats(grpc::ServerContext* context,
                                  const runtime::v1::ListContainerStatsRequest* request,
                                  runtime::v1::ListContainerStatsResponse* response) override;
  grpc::Status PodSandboxStats(grpc::ServerContext* context,
                               const runtime::v1::PodSandboxStatsRequest* request,
                               runtime::v1::PodSandboxStatsResponse* response) override;
  grpc::Status ListPodSandboxStats(grpc::ServerContext* context,
                                   const runtime::v1::ListPodSandboxStatsRequest* request,
                                   runtime::v1::ListPodSandboxStatsResponse* response) override;

  grpc::Status GetContainerEvents(
      grpc::ServerContext* context, const runtime::v1::GetEventsRequest* request,
      grpc::ServerWriter<runtime::v1::ContainerEventResponse>* writer) override;

 private:
  absl::StatusOr<std::string> StreamUrl(StreamRequest request);

  RuntimeInfo* info_;
  PodSandboxes* pods_;
  CriContainers* containers_;
  CriStats* stats_;
  ContainerEvents* events_;
  StreamServer* streams_;
};

}  // namespace berth::cri

#endif  // BERTH_SERVICES_CRI_RUNTIME_SERVICE_H_
