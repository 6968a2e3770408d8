#include "services/cri/cri_containers.h"

#include "absl/strings/match.h"
#include "absl/strings/str_cat.h"
#include "services/common/base/grpc_status.h"
#include "services/cri/container_request.h"
#include "services/cri/container_status.h"
#include "services/cri/cri_labels.h"

namespace berth::cri {
namespace {

using berth::tasks::v1::Container;

// The shim's driver for the kubelet's log files (CRI format).
constexpr char kCriLogDriver[] = "cri";

}  // namespace

absl::StatusOr<Container> CriContainers::Get(const std::string& id) const {
  if (id.empty()) return absl::InvalidArgumentError("container id must not be empty");
  auto container = tasks_->Get(id);
  if (!container.ok() && !absl::IsNotFound(container.status())) return container.status();
  if (!container.ok() || !IsCriContainer(*container)) {
    return absl::NotFoundError(absl::StrCat("container ", id, " not found"));
  }
  return container;
}

absl::StatusOr<std::string> CriContainers::Create(const std::string& pod_id,
                                                  const runtime::v1::ContainerConfig& config) {
  if (absl::Status status = ValidateContainerConfig(config); !status.ok()) return status;
  auto pod = pods_->Resolve(pod_id);
  if (!pod.ok()) return pod.status();
  if (pod->state != runtime::v1::SANDBOX_READY || pod->holder_id.empty()) {
    return absl::FailedPreconditionError(absl::StrCat("pod sandbox ", pod->id, " is not ready"));
  }
  auto request = ContainerRequest(config, *pod, pods_->oom_floor());
  if (!request.ok()) return request.status();
  const std::string& log_directory = pod->config.log_directory();
  if (!log_directory.empty() && !config.log_path().empty()) {
    request->mutable_spec()->set_log_driver(kCriLogDriver);
    (*request->mutable_spec()->mutable_log_options())["path"] =
        absl::StrCat(log_directory, "/", config.log_path());
  }
  auto id = tasks_->Create(*request);
  if (!id.ok()) {
    return absl::Status(id.status().code(), absl::StrCat("create container ",
                                                         config.metadata().name(), " in pod ",
                                                         pod->id, ": ", id.status().message()));
  }
  return *id;
}

absl::Status CriContainers::Start(const std::string& id) {
  auto container = Get(id);
  if (!container.ok()) return container.status();
  if (container->state().status() != berth::tasks::v1::CREATED) {
    return absl::FailedPreconditionError(
        absl::StrCat("container ", container->id(), " is not in the created state"));
  }
  return tasks_->Start(container->id());
}

absl::Status CriContainers::UpdateResources(const std::string& id,
                                            const runtime::v1::LinuxContainerResources& resources) {
  auto container = Get(id);
  if (!container.ok()) return container.status();
  berth::tasks::v1::UpdateContainerRequest request;
  request.set_id(container->id());
  *request.mutable_resources() = TaskResources(resources);
  berth::tasks::v1::UpdateContainerResponse response;
  auto context = CallContext(std::chrono::seconds(60));
  return FromGrpcStatus(backends_->containers->Update(context.get(), request, &response));
}

absl::Status CriContainers::ReopenLog(const std::string& id) {
  auto container = Get(id);
  if (!container.ok()) return container.status();
  return tasks_->ReopenLog(container->id());
}

absl::Status CriContainers::Stop(const std::string& id, int64_t timeout_seconds) {
  auto container = Get(id);
  if (!container.ok()) return container.status();
  if (!Running(*container)) return absl::OkStatus();
  int timeout = static_cast<int>(std::clamp<int64_t>(timeout_seconds, 0, 24 * 3600));
  return tasks_->Stop(container->id(), timeout);
}

absl::Status CriContainers::Remove(const std::string& id) {
  auto container = Get(id);
  if (absl::IsNotFound(container.status())) return absl::OkStatus();
  if (!container.ok()) return container.status();
  absl::Status status = tasks_->Remove(container->id());
  return absl::IsNotFound(status) ? absl::OkStatus() : status;
}

absl::StatusOr<std::vector<runtime::v1::Container>> CriContainers::List(
    const runtime::v1::ContainerFilter& filter) {
  auto containers = tasks_->ListLabelled(kKindLabel, kKindContainer);
  if (!containers.ok()) return containers.status();
  std::vector<runtime::v1::Container> out;
  for (const Container& container : *containers) {
    runtime::v1::Container cri = ToCriContainer(container);
    if (!filter.id().empty() && !absl::StartsWith(cri.id(), filter.id())) continue;
    if (!filter.pod_sandbox_id().empty() &&
        !absl::StartsWith(cri.pod_sandbox_id(), filter.pod_sandbox_id())) {
      continue;
    }
    if (filter.has_state() && filter.state().state() != cri.state()) continue;
    if (!MatchesSelector(cri.labels(), filter.label_selector())) continue;
    out.push_back(std::move(cri));
  }
  return out;
}

absl::StatusOr<runtime::v1::ContainerStatusResponse> CriContainers::Status(const std::string& id,
                                                                           bool verbose) {
  auto container = Get(id);
  if (!container.ok()) return container.status();
  std::string log_directory;
  if (auto pod = pods_->Resolve(SandboxIdOf(*container)); pod.ok()) {
    log_directory = pod->config.log_directory();
  }
  runtime::v1::ContainerStatusResponse response;
  *response.mutable_status() = ToCriStatus(*container, log_directory);
  if (verbose) (*response.mutable_info())["info"] = VerboseContainerInfo(*container);
  return response;
}

}  // namespace berth::cri
