// runtime.v1.RuntimeService's statistics (ContainerStats, PodSandboxStats
// and their lists), UpdateContainerResources and GetContainerEvents: what
// the kubelet reads and changes of containers already running.

#include "services/common/base/grpc_status.h"
#include "services/cri/runtime_service.h"

namespace berth::cri {

grpc::Status RuntimeService::UpdateContainerResources(
    grpc::ServerContext*, const runtime::v1::UpdateContainerResourcesRequest* request,
    runtime::v1::UpdateContainerResourcesResponse*) {
  return ToGrpcStatus(containers_->UpdateResources(request->container_id(), request->linux()),
                      "update resources of container " + request->container_id());
}

grpc::Status RuntimeService::ContainerStats(grpc::ServerContext*,
                                            const runtime::v1::ContainerStatsRequest* request,
                                            runtime::v1::ContainerStatsResponse* response) {
  auto stats = stats_->Container(request->container_id());
  if (!stats.ok()) {
    return ToGrpcStatus(stats.status(), "stats of container " + request->container_id());
  }
  *response->mutable_stats() = *std::move(stats);
  return grpc::Status::OK;
}

grpc::Status RuntimeService::ListContainerStats(
    grpc::ServerContext*, const runtime::v1::ListContainerStatsRequest* request,
    runtime::v1::ListContainerStatsResponse* response) {
  auto stats = stats_->ListContainers(request->filter());
  if (!stats.ok()) return ToGrpcStatus(stats.status(), "list container stats");
  for (auto& one : *stats) *response->add_stats() = std::move(one);
  return grpc::Status::OK;
}

grpc::Status RuntimeService::PodSandboxStats(grpc::ServerContext*,
                                             const runtime::v1::PodSandboxStatsRequest* request,
                                             runtime::v1::PodSandboxStatsResponse* response) {
  auto stats = stats_->Pod(request->pod_sandbox_id());
  if (!stats.ok()) {
    return ToGrpcStatus(stats.status(), "stats of pod sandbox " + request->pod_sandbox_id());
  }
  *response->mutable_stats() = *std::move(stats);
  return grpc::Status::OK;
}

grpc::Status RuntimeService::ListPodSandboxStats(
    grpc::ServerContext*, const runtime::v1::ListPodSandboxStatsRequest* request,
    runtime::v1::ListPodSandboxStatsResponse* response) {
  auto stats = stats_->ListPods(request->filter());
  if (!stats.ok()) return ToGrpcStatus(stats.status(), "list pod sandbox stats");
  for (auto& one : *stats) *response->add_stats() = std::move(one);
  return grpc::Status::OK;
}

grpc::Status RuntimeService::GetContainerEvents(
    grpc::ServerContext* context, const runtime::v1::GetEventsRequest*,
    grpc::ServerWriter<runtime::v1::ContainerEventResponse>* writer) {
  absl::Status status = events_->Stream(
      [writer](const runtime::v1::ContainerEventResponse& event) { return writer->Write(event); },
      [context] { return context->IsCancelled(); });
  return ToGrpcStatus(status, "container events");
}

}  // namespace berth::cri
