#include "services/builder/build_service.h"

#include <atomic>
#include <thread>

#include "absl/synchronization/notification.h"
#include "services/builder/cancel_token.h"
#include "services/builder/context_dir.h"
#include "services/builder/image_builder.h"
#include "services/common/base/grpc_status.h"
#include "services/common/base/log.h"
#include "services/common/namespaces/namespace.h"

namespace berth::builder {

grpc::Status BuildService::Build(
    grpc::ServerContext* context,
    grpc::ServerReaderWriter<berth::builder::v1::BuildResponse, berth::builder::v1::BuildRequest>*
        stream) {
  auto ns = namespaces::NamespaceOf(*context);
  if (!ns.ok()) return ToGrpcStatus(ns.status());
  berth::builder::v1::BuildRequest first;
  if (!stream->Read(&first) || !first.has_options()) {
    return grpc::Status(grpc::StatusCode::INVALID_ARGUMENT,
                        "build: the first message must be the options");
  }
  const berth::builder::v1::BuildOptions options = first.options();

  // The context, as it comes.
  berth::builder::v1::BuildRequest message;
  auto read = [&]() -> absl::StatusOr<std::string_view> {
    while (stream->Read(&message)) {
      if (!message.context().empty()) return std::string_view(message.context());
    }
    return std::string_view();
  };
  auto context_dir = ContextDir::Receive(read, scratch_dir_ + "/contexts");
  if (!context_dir.ok()) return ToGrpcStatus(context_dir.status());
  while (stream->Read(&message)) {
  }

  std::string dockerfile_name = options.dockerfile().empty() ? "Dockerfile" : options.dockerfile();
  BuildInputs inputs;
  inputs.ns = *ns;
  inputs.options = &options;
  inputs.context_dir = (*context_dir)->path();
  if (!options.dockerfile_content().empty()) {
    inputs.dockerfile_text = options.dockerfile_content();
  } else {
    auto text = (*context_dir)->ReadDockerfile(dockerfile_name);
    if (!text.ok()) return ToGrpcStatus(text.status());
    inputs.dockerfile_text = *std::move(text);
  }
  if (absl::Status ignored = (*context_dir)->ApplyDockerignore(dockerfile_name); !ignored.ok()) {
    return ToGrpcStatus(ignored, "the build context's .dockerignore");
  }

  // A client that goes away cancels the step in flight.
  CancelToken cancel;
  absl::Notification done;
  std::thread watcher([&] {
    while (!done.WaitForNotificationWithTimeout(absl::Milliseconds(200))) {
      if (context->IsCancelled()) {
        cancel.Cancel();
        return;
      }
    }
  });
  // -q: the output is kept, and sent only if the build fails (dockerd's
  // quiet build shows the log of a failure).
  std::string quiet_log;
  Emit emit = [&](const std::string& text) {
    if (text.empty()) return;
    if (options.quiet()) {
      if (quiet_log.size() < (size_t{4} << 20)) quiet_log += text;
      return;
    }
    berth::builder::v1::BuildResponse response;
    response.set_stream(text);
    stream->Write(response);
  };
  Emit built = [&](const std::string& id) {
    berth::builder::v1::BuildResponse response;
    response.set_image_id(id);
    stream->Write(response);
  };
  ImageBuilder builder(backends_, cache_, containers_, scratch_dir_, &cancel);
  auto id = builder.Build(inputs, emit, built);
  done.Notify();
  watcher.join();
  if (!id.ok()) {
    BERTH_LOG(Info) << "build failed: " << id.status().message();
    if (!quiet_log.empty()) {
      berth::builder::v1::BuildResponse response;
      response.set_stream(quiet_log);
      stream->Write(response);
    }
    return ToGrpcStatus(id.status());
  }
  return grpc::Status::OK;
}

grpc::Status BuildService::PruneCache(grpc::ServerContext* context,
                                      const berth::builder::v1::PruneCacheRequest* request,
                                      berth::builder::v1::PruneCacheResponse* response) {
  auto ns = namespaces::NamespaceOf(*context);
  if (!ns.ok()) return ToGrpcStatus(ns.status());
  auto deleted = cache_->Prune(*ns, request->older_than_seconds());
  if (!deleted.ok()) return ToGrpcStatus(deleted.status());
  response->set_entries_deleted(*deleted);
  return grpc::Status::OK;
}

grpc::Status BuildService::CacheUsage(grpc::ServerContext*,
                                      const berth::builder::v1::CacheUsageRequest*,
                                      berth::builder::v1::CacheUsageResponse* response) {
  auto count = cache_->Count();
  if (!count.ok()) return ToGrpcStatus(count.status());
  response->set_entries(*count);
  return grpc::Status::OK;
}

}  // namespace berth::builder
