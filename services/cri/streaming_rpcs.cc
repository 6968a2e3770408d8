// runtime.v1.RuntimeService's Exec, Attach and PortForward: the request is
// checked as the kubelet's streaming server checks it, then kept behind a
// single-use URL of the streaming server, where the client comes for it.

#include <functional>

#include "absl/strings/str_cat.h"
#include "services/common/base/grpc_status.h"
#include "services/cri/runtime_service.h"

namespace berth::cri {
namespace {

// The kubelet's validateExecRequest / validateAttachRequest.
template <typename Request>
absl::Status CheckStreams(const Request& request) {
  if (request.container_id().empty()) {
    return absl::InvalidArgumentError("missing required container_id");
  }
  // With a TTY there is one output stream: nothing to tell stderr apart.
  if (request.tty() && request.stderr()) {
    return absl::InvalidArgumentError("tty and stderr cannot both be true");
  }
  if (!request.stdin() && !request.stdout() && !request.stderr()) {
    return absl::InvalidArgumentError("one of stdin, stdout, or stderr must be set");
  }
  return absl::OkStatus();
}

// An exec's or attach's request, checked, for the running container by its
// full id, behind a URL.
template <typename Request>
absl::StatusOr<std::string> ContainerStreamUrl(
    Request request, const CriContainers& containers,
    const std::function<absl::StatusOr<std::string>(StreamRequest)>& url_for) {
  if (absl::Status checked = CheckStreams(request); !checked.ok()) return checked;
  auto container = containers.GetRunning(request.container_id());
  if (!container.ok()) return container.status();
  request.set_container_id(container->id());
  return url_for(std::move(request));
}

}  // namespace

absl::StatusOr<std::string> RuntimeService::StreamUrl(StreamRequest request) {
  if (streams_ == nullptr) {
    return absl::UnavailableError("streaming is off (cri-stream-address is empty)");
  }
  return streams_->UrlFor(std::move(request));
}

grpc::Status RuntimeService::Exec(grpc::ServerContext*, const runtime::v1::ExecRequest* request,
                                  runtime::v1::ExecResponse* response) {
  const std::string what = "exec in " + request->container_id();
  if (request->cmd().empty()) {
    return ToGrpcStatus(absl::InvalidArgumentError("cmd must not be empty"), what);
  }
  auto url = ContainerStreamUrl(*request, *containers_,
                                [this](StreamRequest kept) { return StreamUrl(std::move(kept)); });
  if (!url.ok()) return ToGrpcStatus(url.status(), what);
  response->set_url(*url);
  return grpc::Status::OK;
}

grpc::Status RuntimeService::Attach(grpc::ServerContext*, const runtime::v1::AttachRequest* request,
                                    runtime::v1::AttachResponse* response) {
  auto url = ContainerStreamUrl(*request, *containers_,
                                [this](StreamRequest kept) { return StreamUrl(std::move(kept)); });
  if (!url.ok()) return ToGrpcStatus(url.status(), "attach to " + request->container_id());
  response->set_url(*url);
  return grpc::Status::OK;
}

grpc::Status RuntimeService::PortForward(grpc::ServerContext*,
                                         const runtime::v1::PortForwardRequest* request,
                                         runtime::v1::PortForwardResponse* response) {
  const std::string what = "port-forward to pod " + request->pod_sandbox_id();
  if (request->pod_sandbox_id().empty()) {
    return ToGrpcStatus(absl::InvalidArgumentError("missing required pod_sandbox_id"), what);
  }
  auto status = pods_->Status(request->pod_sandbox_id(), /*verbose=*/false);
  if (!status.ok()) return ToGrpcStatus(status.status(), what);
  if (status->status().state() != runtime::v1::SANDBOX_READY) {
    return ToGrpcStatus(absl::FailedPreconditionError(absl::StrCat(
                            "sandbox ", status->status().id(), " is not running")),
                        what);
  }
  runtime::v1::PortForwardRequest kept = *request;
  kept.set_pod_sandbox_id(status->status().id());
  auto url = StreamUrl(std::move(kept));
  if (!url.ok()) return ToGrpcStatus(url.status(), what);
  response->set_url(*url);
  return grpc::Status::OK;
}

}  // namespace berth::cri
