// runtime.v1.RuntimeService's pod sandbox, container and ExecSync methods:
// requests checked and translated, errors mapped to the CRI's codes with
// what was being done in front.

#include "services/common/base/grpc_status.h"
#include "services/cri/runtime_service.h"

namespace berth::cri {

grpc::Status RuntimeService::RunPodSandbox(grpc::ServerContext*,
                                           const runtime::v1::RunPodSandboxRequest* request,
                                           runtime::v1::RunPodSandboxResponse* response) {
  auto id = pods_->Run(request->config());
  if (!id.ok()) return ToGrpcStatus(id.status(), "run pod sandbox");
  response->set_pod_sandbox_id(*id);
  return grpc::Status::OK;
}

grpc::Status RuntimeService::StopPodSandbox(grpc::ServerContext*,
                                            const runtime::v1::StopPodSandboxRequest* request,
                                            runtime::v1::StopPodSandboxResponse*) {
  return ToGrpcStatus(pods_->Stop(request->pod_sandbox_id()),
                      "stop pod sandbox " + request->pod_sandbox_id());
}

grpc::Status RuntimeService::RemovePodSandbox(grpc::ServerContext*,
                                              const runtime::v1::RemovePodSandboxRequest* request,
                                              runtime::v1::RemovePodSandboxResponse*) {
  return ToGrpcStatus(pods_->Remove(request->pod_sandbox_id()),
                      "remove pod sandbox " + request->pod_sandbox_id());
}

grpc::Status RuntimeService::PodSandboxStatus(grpc::ServerContext*,
                                              const runtime::v1::PodSandboxStatusRequest* request,
                                              runtime::v1::PodSandboxStatusResponse* response) {
  auto status = pods_->Status(request->pod_sandbox_id(), request->verbose());
  if (!status.ok()) {
    return ToGrpcStatus(status.status(), "pod sandbox status of " + request->pod_sandbox_id());
  }
  *response = *std::move(status);
  return grpc::Status::OK;
}

grpc::Status RuntimeService::ListPodSandbox(grpc::ServerContext*,
                                            const runtime::v1::ListPodSandboxRequest* request,
                                            runtime::v1::ListPodSandboxResponse* response) {
  auto pods = pods_->List(request->filter());
  if (!pods.ok()) return ToGrpcStatus(pods.status(), "list pod sandboxes");
  for (auto& pod : *pods) *response->add_items() = std::move(pod);
  return grpc::Status::OK;
}

grpc::Status RuntimeService::CreateContainer(grpc::ServerContext*,
                                             const runtime::v1::CreateContainerRequest* request,
                                             runtime::v1::CreateContainerResponse* response) {
  auto id = containers_->Create(request->pod_sandbox_id(), request->config());
  if (!id.ok()) return ToGrpcStatus(id.status());
  response->set_container_id(*id);
  return grpc::Status::OK;
}

grpc::Status RuntimeService::StartContainer(grpc::ServerContext*,
                                            const runtime::v1::StartContainerRequest* request,
                                            runtime::v1::StartContainerResponse*) {
  return ToGrpcStatus(containers_->Start(request->container_id()),
                      "start container " + request->container_id());
}

grpc::Status RuntimeService::StopContainer(grpc::ServerContext*,
                                           const runtime::v1::StopContainerRequest* request,
                                           runtime::v1::StopContainerResponse*) {
  return ToGrpcStatus(containers_->Stop(request->container_id(), request->timeout()),
                      "stop container " + request->container_id());
}

grpc::Status RuntimeService::RemoveContainer(grpc::ServerContext*,
                                             const runtime::v1::RemoveContainerRequest* request,
                                             runtime::v1::RemoveContainerResponse*) {
  return ToGrpcStatus(containers_->Remove(request->container_id()),
                      "remove container " + request->container_id());
}

grpc::Status RuntimeService::ListContainers(grpc::ServerContext*,
                                            const runtime::v1::ListContainersRequest* request,
                                            runtime::v1::ListContainersResponse* response) {
  auto containers = containers_->List(request->filter());
  if (!containers.ok()) return ToGrpcStatus(containers.status(), "list containers");
  for (auto& container : *containers) *response->add_containers() = std::move(container);
  return grpc::Status::OK;
}

grpc::Status RuntimeService::ContainerStatus(grpc::ServerContext*,
                                             const runtime::v1::ContainerStatusRequest* request,
                                             runtime::v1::ContainerStatusResponse* response) {
  auto status = containers_->Status(request->container_id(), request->verbose());
  if (!status.ok()) {
    return ToGrpcStatus(status.status(), "container status of " + request->container_id());
  }
  *response = *std::move(status);
  return grpc::Status::OK;
}

grpc::Status RuntimeService::ReopenContainerLog(
    grpc::ServerContext*, const runtime::v1::ReopenContainerLogRequest* request,
    runtime::v1::ReopenContainerLogResponse*) {
  return ToGrpcStatus(containers_->ReopenLog(request->container_id()),
                      "reopen the log of container " + request->container_id());
}

grpc::Status RuntimeService::ExecSync(grpc::ServerContext*,
                                      const runtime::v1::ExecSyncRequest* request,
                                      runtime::v1::ExecSyncResponse* response) {
  std::vector<std::string> cmd(request->cmd().begin(), request->cmd().end());
  auto result = containers_->ExecSync(request->container_id(), cmd, request->timeout());
  if (!result.ok()) return ToGrpcStatus(result.status(), "exec in " + request->container_id());
  response->set_stdout(std::move(result->stdout_bytes));
  response->set_stderr(std::move(result->stderr_bytes));
  response->set_exit_code(result->exit_code);
  return grpc::Status::OK;
}

}  // namespace berth::cri
