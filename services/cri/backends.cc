#include "services/cri/backends.h"

#include <grpcpp/create_channel.h>
#include <grpcpp/security/credentials.h>

#include "absl/strings/str_cat.h"
#include "grpc/health/v1/health.grpc.pb.h"
#include "services/common/namespaces/namespace.h"

namespace berth::cri {

Backends Backends::Connect(const std::string& exec_root) {
  auto channel = [&](const char* name) {
    return grpc::CreateChannel(absl::StrCat("unix://", exec_root, "/", name, ".sock"),
                               grpc::InsecureChannelCredentials());
  };
  Backends backends;
  backends.images_channel = channel("images");
  backends.snapshots_channel = channel("snapshots");
  backends.tasks_channel = channel("tasks");
  backends.network_channel = channel("network");
  backends.images = berth::images::v1::Images::NewStub(backends.images_channel);
  backends.snapshots = berth::snapshots::v1::Snapshots::NewStub(backends.snapshots_channel);
  backends.containers = berth::tasks::v1::Containers::NewStub(backends.tasks_channel);
  backends.tasks = berth::tasks::v1::Tasks::NewStub(backends.tasks_channel);
  return backends;
}

std::unique_ptr<grpc::ClientContext> CallContext(std::chrono::seconds timeout) {
  auto context = std::make_unique<grpc::ClientContext>();
  context->set_deadline(std::chrono::system_clock::now() + timeout);
  namespaces::SetNamespace(*context, namespaces::kKubernetes);
  return context;
}

std::unique_ptr<grpc::ClientContext> StreamContext() {
  auto context = std::make_unique<grpc::ClientContext>();
  namespaces::SetNamespace(*context, namespaces::kKubernetes);
  return context;
}

absl::Status CheckServing(grpc::Channel& channel, std::chrono::milliseconds timeout) {
  auto stub = grpc::health::v1::Health::NewStub(
      std::shared_ptr<grpc::Channel>(&channel, [](grpc::Channel*) {}));
  grpc::ClientContext context;
  context.set_deadline(std::chrono::system_clock::now() + timeout);
  grpc::health::v1::HealthCheckRequest request;
  grpc::health::v1::HealthCheckResponse response;
  grpc::Status status = stub->Check(&context, request, &response);
  if (!status.ok()) return absl::UnavailableError(status.error_message());
  if (response.status() != grpc::health::v1::HealthCheckResponse::SERVING) {
    return absl::UnavailableError(absl::StrCat(
        "health: ", grpc::health::v1::HealthCheckResponse::ServingStatus_Name(response.status())));
  }
  return absl::OkStatus();
}

}  // namespace berth::cri
