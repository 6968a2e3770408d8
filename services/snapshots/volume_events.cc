// Volumes' events as dockerd logs them (LogVolumeEvent): create and destroy
// with the driver; mount and unmount when a container using the volume
// starts and stops, naming the container (and, for mount, where and how).

#include "absl/time/clock.h"
#include "services/common/events/actor_filter.h"
#include "services/snapshots/volumes_service.h"

namespace berth::snapshots {
namespace {

using berth::snapshots::v1::VolumeEvent;

absl::Time FromProto(const google::protobuf::Timestamp& time) {
  return absl::FromUnixSeconds(time.seconds()) + absl::Nanoseconds(time.nanos());
}

}  // namespace

void VolumesService::PublishEvent(const std::string& action, const std::string& name,
                                  std::map<std::string, std::string> attributes) {
  VolumeEvent event;
  event.set_id(name);
  event.set_action(action);
  attributes["driver"] = "local";
  for (auto& [key, value] : attributes) (*event.mutable_attributes())[key] = std::move(value);
  events_.Publish("/volumes/" + action, event);
}

grpc::Status VolumesService::Mount(grpc::ServerContext* context,
                                   const berth::snapshots::v1::MountVolumeRequest* request,
                                   berth::snapshots::v1::Volume* response) {
  berth::snapshots::v1::GetVolumeRequest get;
  get.set_name(request->name());
  if (grpc::Status status = Get(context, &get, response); !status.ok()) return status;
  PublishEvent("mount", request->name(),
               {{"container", request->container_id()},
                {"destination", request->destination()},
                {"propagation", request->propagation()},
                {"read/write", request->read_write() ? "true" : "false"}});
  return grpc::Status::OK;
}

grpc::Status VolumesService::Unmount(grpc::ServerContext* context,
                                     const berth::snapshots::v1::UnmountVolumeRequest* request,
                                     berth::snapshots::v1::UnmountVolumeResponse*) {
  berth::snapshots::v1::GetVolumeRequest get;
  get.set_name(request->name());
  berth::snapshots::v1::Volume volume;
  if (grpc::Status status = Get(context, &get, &volume); !status.ok()) return status;
  PublishEvent("unmount", request->name(), {{"container", request->container_id()}});
  return grpc::Status::OK;
}

grpc::Status VolumesService::Subscribe(grpc::ServerContext* context,
                                       const berth::snapshots::v1::SubscribeVolumesRequest* request,
                                       grpc::ServerWriter<berth::types::v1::Envelope>* writer) {
  absl::Time since = request->has_since() ? FromProto(request->since()) : absl::Now();
  absl::Time until = request->has_until() ? FromProto(request->until()) : absl::InfiniteFuture();
  events::FilterLists filters = events::ToFilterLists(request->filters());
  events_.Subscribe(
      since,
      [&](const berth::types::v1::Envelope& envelope) {
        if (events::EnvelopeTime(envelope) > until) return false;
        VolumeEvent event;
        if (!envelope.event().UnpackTo(&event) ||
            !events::ActorMatches("volume", event.id(), event.action(), event.attributes(),
                                  filters)) {
          return true;
        }
        return writer->Write(envelope);
      },
      [&] { return context->IsCancelled() || absl::Now() > until; });
  return grpc::Status::OK;
}

}  // namespace berth::snapshots
