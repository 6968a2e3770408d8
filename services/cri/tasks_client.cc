#include "services/cri/tasks_client.h"

#include "absl/strings/str_cat.h"
#include "services/common/base/grpc_status.h"

namespace berth::cri {
namespace {

constexpr auto kCallTimeout = std::chrono::seconds(60);
// A create may prepare a snapshot and copy volumes; a stop waits for the
// stop timeout the kubelet gives (its own deadline bounds the call).
constexpr auto kLongCallTimeout = std::chrono::seconds(600);

}  // namespace

absl::StatusOr<std::string> TasksClient::Create(
    const berth::tasks::v1::CreateContainerRequest& request) const {
  berth::tasks::v1::CreateContainerResponse response;
  auto context = CallContext(kLongCallTimeout);
  grpc::Status status = backends_->containers->Create(context.get(), request, &response);
  if (!status.ok()) return FromGrpcStatus(status);
  return response.id();
}

absl::Status TasksClient::Start(const std::string& id) const {
  berth::tasks::v1::StartRequest request;
  request.set_id(id);
  berth::tasks::v1::StartResponse response;
  auto context = CallContext(kLongCallTimeout);
  return FromGrpcStatus(backends_->tasks->Start(context.get(), request, &response));
}

absl::Status TasksClient::ReopenLog(const std::string& id) const {
  berth::tasks::v1::ReopenLogRequest request;
  request.set_id(id);
  berth::tasks::v1::ReopenLogResponse response;
  auto context = CallContext(kCallTimeout);
  return FromGrpcStatus(backends_->tasks->ReopenLog(context.get(), request, &response));
}

absl::Status TasksClient::Stop(const std::string& id, int timeout_seconds) const {
  berth::tasks::v1::StopRequest request;
  request.set_id(id);
  request.set_timeout(timeout_seconds);
  berth::tasks::v1::StopResponse response;
  auto context = CallContext(kLongCallTimeout + std::chrono::seconds(timeout_seconds));
  return FromGrpcStatus(backends_->tasks->Stop(context.get(), request, &response));
}

absl::Status TasksClient::Remove(const std::string& id) const {
  berth::tasks::v1::DeleteContainerRequest request;
  request.set_id(id);
  request.set_force(true);
  request.set_remove_volumes(true);
  berth::tasks::v1::DeleteContainerResponse response;
  auto context = CallContext(kLongCallTimeout);
  return FromGrpcStatus(backends_->containers->Delete(context.get(), request, &response));
}

absl::StatusOr<berth::tasks::v1::Container> TasksClient::Get(const std::string& id) const {
  berth::tasks::v1::GetContainerRequest request;
  request.set_id(id);
  berth::tasks::v1::Container container;
  auto context = CallContext(kCallTimeout);
  grpc::Status status = backends_->containers->Get(context.get(), request, &container);
  if (!status.ok()) return FromGrpcStatus(status);
  return container;
}

absl::StatusOr<std::vector<berth::tasks::v1::Container>> TasksClient::ListLabelled(
    const std::string& key, const std::string& value) const {
  berth::tasks::v1::ListContainersRequest request;
  request.set_all(true);
  (*request.mutable_filters())["label"].add_values(absl::StrCat(key, "=", value));
  berth::tasks::v1::ListContainersResponse response;
  auto context = CallContext(kCallTimeout);
  grpc::Status status = backends_->containers->List(context.get(), request, &response);
  if (!status.ok()) return FromGrpcStatus(status);
  return std::vector<berth::tasks::v1::Container>(response.containers().begin(),
                                                  response.containers().end());
}

}  // namespace berth::cri
