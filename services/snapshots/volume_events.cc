// Volumes' events as dockerd logs them (LogVolumeEvent): create and destroy
// with the driver; mount and unmount when a container using the volume
// starts and stops, naming the container (and, for mount, where and how).

#include "services/common/events/actor_stream.h"
#include "services/snapshots/volumes_service.h"

namespace berth::snapshots {
using berth::snapshots::v1::VolumeEvent;

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
  events::StreamActorEvents<VolumeEvent>(events_, "volume", *request, *context, *writer);
  return grpc::Status::OK;
}

}  // namespace berth::snapshots
