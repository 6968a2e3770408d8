#include "services/cri/container_events.h"

#include <atomic>
#include <map>
#include <thread>

#include "absl/time/time.h"
#include "services/common/base/grpc_status.h"
#include "services/cri/container_status.h"
#include "services/cri/cri_labels.h"

namespace berth::cri {
namespace {

std::optional<runtime::v1::ContainerEventType> CriEventType(const std::string& action) {
  static const std::map<std::string, runtime::v1::ContainerEventType> kTypes = {
      {"create", runtime::v1::CONTAINER_CREATED_EVENT},
      {"start", runtime::v1::CONTAINER_STARTED_EVENT},
      {"die", runtime::v1::CONTAINER_STOPPED_EVENT},
      {"destroy", runtime::v1::CONTAINER_DELETED_EVENT}};
  auto it = kTypes.find(action);
  if (it == kTypes.end()) return std::nullopt;
  return it->second;
}

}  // namespace

absl::Status ContainerEvents::Stream(
    const std::function<bool(const runtime::v1::ContainerEventResponse&)>& send,
    const std::function<bool()>& cancelled) {
  auto context = StreamContext();
  berth::tasks::v1::SubscribeRequest request;
  for (const char* action : {"create", "start", "die", "destroy"}) {
    (*request.mutable_filters())["event"].add_values(action);
  }
  auto reader = backends_->tasks->Subscribe(context.get(), request);
  std::atomic<bool> over{false};
  std::thread watch([&] {
    while (!over) {
      if (cancelled()) {
        context->TryCancel();
        return;
      }
      absl::SleepFor(absl::Milliseconds(200));
    }
  });
  berth::types::v1::Envelope envelope;
  while (reader->Read(&envelope)) {
    berth::tasks::v1::ContainerEvent event;
    if (!envelope.event().UnpackTo(&event)) continue;
    std::optional<runtime::v1::ContainerEventType> type = CriEventType(event.action());
    if (!type) continue;
    // A create event carries no labels: the record tells.
    std::map<std::string, std::string> labels(event.attributes().begin(), event.attributes().end());
    if (labels.count(kKindLabel) == 0) {
      berth::tasks::v1::GetContainerRequest get;
      get.set_id(event.id());
      berth::tasks::v1::Container container;
      auto get_context = CallContext(std::chrono::seconds(30));
      if (!backends_->containers->Get(get_context.get(), get, &container).ok()) continue;
      labels.insert(container.spec().labels().begin(), container.spec().labels().end());
    }
    const std::string kind = labels[kKindLabel];
    const std::string pod_id = labels[kSandboxIdLabel];
    if (pod_id.empty() || (kind != kKindContainer && kind != kKindSandbox)) continue;
    runtime::v1::ContainerEventResponse response;
    response.set_container_id(kind == kKindSandbox ? pod_id : event.id());
    response.set_container_event_type(*type);
    response.set_created_at(envelope.timestamp().seconds() * 1000000000 +
                            envelope.timestamp().nanos());
    if (auto status = pods_->Status(pod_id, /*verbose=*/false); status.ok()) {
      *response.mutable_pod_sandbox_status() = status->status();
    }
    runtime::v1::ContainerFilter filter;
    filter.set_pod_sandbox_id(pod_id);
    if (auto listed = containers_->List(filter); listed.ok()) {
      for (const runtime::v1::Container& container : *listed) {
        if (auto status = containers_->Status(container.id(), false); status.ok()) {
          *response.add_containers_statuses() = status->status();
        }
      }
    }
    if (!send(response)) break;
  }
  over = true;
  context->TryCancel();
  watch.join();
  grpc::Status status = reader->Finish();
  if (cancelled() || status.error_code() == grpc::StatusCode::CANCELLED) return absl::OkStatus();
  return status.ok() ? absl::UnavailableError("the tasks service's events ended")
                     : FromGrpcStatus(status);
}

}  // namespace berth::cri
