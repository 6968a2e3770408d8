#ifndef BERTH_SERVICES_TASKS_CONTAINER_FACTORY_H_
#define BERTH_SERVICES_TASKS_CONTAINER_FACTORY_H_

// Creates containers: checks the request, resolves the image through the
// images service, merges its config, prepares the writable snapshot
// through the snapshots service, resolves volumes and binds, writes the
// init files, and stores the record. A failure leaves nothing behind.

#include <functional>
#include <memory>
#include <string>

#include "absl/status/statusor.h"
#include "berth/images/v1/images.grpc.pb.h"
#include "berth/snapshots/v1/snapshots.grpc.pb.h"
#include "berth/tasks/v1/tasks.pb.h"
#include "services/common/config/live_config.h"
#include "services/tasks/container_store.h"
#include "services/tasks/events.h"

namespace berth::tasks {

struct ContainerFactoryDeps {
  // <data-root>/tasks
  std::string data_dir;
  // The daemon remaps containers into a user namespace (userns-remap).
  bool userns_remap = false;
  // cgroupfs or systemd: what --cgroup-parent must look like.
  std::string cgroup_driver = "cgroupfs";
  // berth-pause, the process of namespace holders (container_holder.cc).
  std::string pause_binary;
  // The daemon's log-driver, for containers that name none.
  std::string log_driver = "json-file";
  // The daemon's configuration as reloaded: default-ulimits are read at
  // each create. Null: none.
  std::shared_ptr<const config::LiveConfig> live;
  // What --add-host NAME:host-gateway stands for (ContainerNetworks).
  std::function<absl::StatusOr<std::string>()> host_gateway;
  ContainerStore* store = nullptr;
  EventBroker* events = nullptr;
  std::shared_ptr<berth::images::v1::Images::StubInterface> images;
  std::shared_ptr<berth::snapshots::v1::Snapshots::StubInterface> snapshots;
  std::shared_ptr<berth::snapshots::v1::Volumes::StubInterface> volumes;
};

class ContainerFactory {
 public:
  explicit ContainerFactory(ContainerFactoryDeps deps) : deps_(std::move(deps)) {}
  // The container belongs to namespace ns: its image and the containers
  // it names (--volumes-from, --link, --network container:) are looked up
  // there.
  absl::StatusOr<v1::CreateContainerResponse> Create(const std::string& ns,
                                                     const v1::CreateContainerRequest& request);

 private:
  // A namespace holder (request.namespace_holder): no image, berth-pause
  // on an empty read-only root (container_holder.cc). name is checked.
  absl::StatusOr<v1::CreateContainerResponse> CreateHolder(const std::string& ns,
                                                           const v1::CreateContainerRequest& request,
                                                           const std::string& name);
  // --volumes-from and the image's VOLUMEs joined to the requested mounts.
  absl::Status ComposeSpecMounts(const std::string& ns, const std::string& image_config_json,
                                 v1::ContainerSpec* spec);
  // Creates and registers volumes, checks and creates bind sources.
  absl::Status ResolveMounts(const std::string& id, v1::ContainerSpec* spec);
  // --link: each linked container must exist (stored by its name).
  absl::Status ResolveLinks(const std::string& ns, v1::ContainerSpec* spec);
  // Copy-up into fresh volumes, once the container's snapshot exists.
  absl::Status PopulateVolumes(const std::string& id, const v1::ContainerSpec& spec);
  ContainerFactoryDeps deps_;
};

}  // namespace berth::tasks

#endif  // BERTH_SERVICES_TASKS_CONTAINER_FACTORY_H_
