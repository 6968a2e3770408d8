#include "services/docker/backends.h"

#include <chrono>

#include <grpcpp/create_channel.h>

#include "absl/strings/str_cat.h"

namespace berth::docker {

std::unique_ptr<Backends> Backends::Connect(const std::string& exec_root,
                                            const std::string& daemon_socket) {
  auto channel = [&](const std::string& name) {
    return grpc::CreateChannel(absl::StrCat("unix://", exec_root, "/", name, ".sock"),
                               grpc::InsecureChannelCredentials());
  };
  auto backends = std::make_unique<Backends>();
  auto tasks = channel("tasks");
  backends->containers = berth::tasks::v1::Containers::NewStub(tasks);
  backends->tasks = berth::tasks::v1::Tasks::NewStub(tasks);
  backends->images = berth::images::v1::Images::NewStub(channel("images"));
  backends->volumes = berth::snapshots::v1::Volumes::NewStub(channel("snapshots"));
  backends->networks = berth::network::v1::Networks::NewStub(channel("network"));
  backends->builder = berth::builder::v1::Builder::NewStub(channel("builder"));
  backends->system = berth::system::v1::System::NewStub(
      grpc::CreateChannel("unix://" + daemon_socket, grpc::InsecureChannelCredentials()));
  return backends;
}

std::unique_ptr<grpc::ClientContext> UnaryContext() {
  auto context = std::make_unique<grpc::ClientContext>();
  context->set_deadline(std::chrono::system_clock::now() + std::chrono::minutes(10));
  context->set_wait_for_ready(true);
  return context;
}

int HttpStatusFor(grpc::StatusCode code) {
  switch (code) {
    case grpc::StatusCode::NOT_FOUND:
      return 404;
    case grpc::StatusCode::ALREADY_EXISTS:
    case grpc::StatusCode::FAILED_PRECONDITION:
    case grpc::StatusCode::ABORTED:
      return 409;
    case grpc::StatusCode::INVALID_ARGUMENT:
    case grpc::StatusCode::OUT_OF_RANGE:
      return 400;
    case grpc::StatusCode::PERMISSION_DENIED:
    case grpc::StatusCode::UNAUTHENTICATED:
      return 403;
    case grpc::StatusCode::UNIMPLEMENTED:
      return 501;
    case grpc::StatusCode::UNAVAILABLE:
      return 503;
    default:
      return 500;
  }
}

http::HttpResponse ErrorResponse(const grpc::Status& status) {
  return http::HttpResponse::Error(HttpStatusFor(status.error_code()), status.error_message());
}

grpc::Status GetContainer(const Backends& backends, const std::string& ref,
                          berth::tasks::v1::Container* out) {
  berth::tasks::v1::GetContainerRequest request;
  request.set_id(ref);
  auto context = UnaryContext();
  return backends.containers->Get(context.get(), request, out);
}

}  // namespace berth::docker
