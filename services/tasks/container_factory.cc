#include "services/tasks/container_factory.h"

#include <fcntl.h>
#include <sys/stat.h>
#include <unistd.h>

#include <fstream>

#include "absl/strings/match.h"
#include "absl/strings/str_cat.h"
#include "absl/strings/strip.h"
#include "services/common/base/grpc_status.h"
#include "services/common/fs/fs_util.h"
#include "services/common/namespaces/namespace.h"
#include "services/tasks/container_links.h"
#include "services/tasks/container_mounts.h"
#include "services/tasks/container_spec.h"
#include "services/tasks/names.h"
#include "services/tasks/namespace_modes.h"
#include "services/tasks/time_util.h"
#include "shim/logging/log_driver.h"
#include "services/tasks/volume_release.h"

namespace berth::tasks {
namespace {

std::unique_ptr<grpc::ClientContext> Context(int seconds = 30) {
  auto context = std::make_unique<grpc::ClientContext>();
  context->set_deadline(std::chrono::system_clock::now() + std::chrono::seconds(seconds));
  // A sibling service that is (re)starting is waited for, not failed on.
  context->set_wait_for_ready(true);
  return context;
}

absl::Status WriteFile(const std::string& path, const std::string& text, mode_t mode = 0644) {
  std::ofstream out(path, std::ios::trunc);
  out << text;
  out.close();
  if (!out) return absl::InternalError("write " + path);
  ::chmod(path.c_str(), mode);
  return absl::OkStatus();
}

// docker: "busybox" is "busybox:latest" in messages.
std::string WithTag(const std::string& image) {
  std::string last = image.substr(image.rfind('/') == std::string::npos ? 0 : image.rfind('/') + 1);
  if (absl::StrContains(last, ":") || absl::StrContains(image, "@")) return image;
  return image + ":latest";
}

}  // namespace

absl::Status ContainerFactory::ResolveMounts(const std::string& id, v1::ContainerSpec* spec) {
  for (auto& mount : *spec->mutable_mounts()) {
    if (mount.destination().empty() || mount.destination()[0] != '/') {
      return absl::InvalidArgumentError(absl::StrCat(
          "invalid mount config: mount path must be absolute: \"", mount.destination(), "\""));
    }
    const auto& markers = mount.volume_options();
    if (mount.type() == "bind") {
      if (mount.source().empty() || mount.source()[0] != '/') {
        return absl::InvalidArgumentError(absl::StrCat(
            "invalid mount config for type \"bind\": invalid mount path: '", mount.source(),
            "' mount path must be absolute"));
      }
      struct stat st;
      if (::stat(mount.source().c_str(), &st) != 0) {
        // -v creates a missing host directory; --mount refuses it.
        if (markers.count(kCreateHostPathMarker) == 0) {
          return absl::InvalidArgumentError(absl::StrCat(
              "invalid mount config for type \"bind\": bind source path does not exist: ",
              mount.source()));
        }
        if (absl::Status status = fs::MakeDirectories(mount.source(), 0755); !status.ok()) {
          return status;
        }
      }
      mount.set_resolved_source(mount.source());
      // Docker's default propagation of a bind.
      if (mount.propagation().empty()) mount.set_propagation("rprivate");
      continue;
    }
    if (mount.type() == "volume") {
      bool inherited = markers.count(kVolumesFromMarker) > 0;
      if (!inherited) {
        berth::snapshots::v1::CreateVolumeRequest create;
        if (mount.source().empty()) {
          mount.set_source(fs::RandomHex(32));
          (*mount.mutable_volume_options())[kAnonymousMarker] = "true";
          create.set_anonymous(true);
        }
        create.set_name(mount.source());
        create.set_driver(mount.driver().empty() ? "local" : mount.driver());
        for (const auto& [key, value] : mount.volume_options()) {
          if (!IsMarker(key)) (*create.mutable_options())[key] = value;
        }
        berth::snapshots::v1::Volume volume;
        grpc::Status created = deps_.volumes->Create(Context().get(), create, &volume);
        if (!created.ok() && created.error_code() != grpc::StatusCode::ALREADY_EXISTS) {
          return FromGrpcStatus(created);
        }
      }
      berth::snapshots::v1::UseVolumeRequest use;
      use.set_name(mount.source());
      use.set_container_id(id);
      berth::snapshots::v1::UseVolumeResponse used;
      if (grpc::Status status = deps_.volumes->Use(Context().get(), use, &used); !status.ok()) {
        return FromGrpcStatus(status);
      }
      mount.set_resolved_source(used.volume().mountpoint());
      mount.set_driver(used.volume().driver());
      // Docker: named and --mount volumes of the local driver show Mode
      // "z" unless one was typed; Config.Volumes ones and inherited ones "".
      if (mount.mode().empty() && !inherited && markers.count(kConfigVolumeMarker) == 0) {
        mount.set_mode("z");
      }
      continue;
    }
    if (mount.type() != "tmpfs") {
      return absl::InvalidArgumentError(absl::StrCat("invalid mount type \"", mount.type(), "\""));
    }
  }
  return absl::OkStatus();
}

absl::Status ContainerFactory::ComposeSpecMounts(const std::string& ns,
                                                 const std::string& image_config_json,
                                                 v1::ContainerSpec* spec) {
  std::vector<v1::MountSpec> inherited;
  for (const std::string& from : spec->volumes_from()) {
    auto parsed = ParseVolumesFrom(from);
    if (!parsed.ok()) return parsed.status();
    auto other = deps_.store->Resolve(ns, parsed->first);
    if (!other.ok()) return other.status();
    std::vector<v1::MountSpec> mounts(other->spec().mounts().begin(), other->spec().mounts().end());
    for (v1::MountSpec& mount : InheritedMounts(mounts, parsed->second)) {
      inherited.push_back(std::move(mount));
    }
  }
  std::vector<v1::MountSpec> requested(spec->mounts().begin(), spec->mounts().end());
  spec->clear_mounts();
  for (v1::MountSpec& mount :
       ComposeMounts(inherited, requested, ImageVolumes(image_config_json))) {
    *spec->add_mounts() = std::move(mount);
  }
  return absl::OkStatus();
}

absl::Status ContainerFactory::PopulateVolumes(const std::string& id,
                                               const v1::ContainerSpec& spec) {
  for (const auto& mount : spec.mounts()) {
    if (mount.type() != "volume" || mount.volume_options().count(kVolumesFromMarker) > 0) continue;
    bool nocopy = false;
    for (const std::string& option : mount.options()) nocopy |= option == "nocopy";
    if (nocopy) continue;
    berth::snapshots::v1::PopulateVolumeRequest populate;
    populate.set_name(mount.source());
    populate.set_snapshot_key(id);
    populate.set_path(mount.destination());
    berth::snapshots::v1::PopulateVolumeResponse populated;
    grpc::Status status = deps_.volumes->Populate(Context(120).get(), populate, &populated);
    if (!status.ok()) return FromGrpcStatus(status);
  }
  return absl::OkStatus();
}

absl::Status ContainerFactory::ResolveLinks(const std::string& ns, v1::ContainerSpec* spec) {
  if (spec->links().empty()) return absl::OkStatus();
  if (spec->network_mode() == "host") {
    return absl::InvalidArgumentError(
        "conflicting options: host type networking can't be used with links. This would result "
        "in undefined behavior");
  }
  for (std::string& text : *spec->mutable_links()) {
    auto link = ParseLink(text);
    if (!link.ok()) return link.status();
    // dockerd: a missing container is a bad parameter (400), not a 404
    // that clients would take for a missing image.
    auto linked = deps_.store->Resolve(ns, link->name);
    if (!linked.ok()) {
      return absl::InvalidArgumentError(
          absl::StrCat("could not get container for ", link->name, ": ", linked.status().message()));
    }
    text = absl::StrCat(linked->name(), ":", link->alias);
  }
  return absl::OkStatus();
}

absl::StatusOr<v1::CreateContainerResponse> ContainerFactory::Create(
    const std::string& ns, const v1::CreateContainerRequest& request) {
  std::string name(absl::StripPrefix(request.name(), "/"));
  if (!name.empty() && !ValidContainerName(name)) {
    return absl::InvalidArgumentError(absl::StrCat(
        "Invalid container name (", name, "), only [a-zA-Z0-9][a-zA-Z0-9_.-] are allowed"));
  }
  if (!name.empty()) {
    if (auto existing = deps_.store->Resolve(ns, name); existing.ok() && existing->name() == name) {
      return absl::AlreadyExistsError(absl::StrCat(
          "Conflict. The container name \"/", name, "\" is already in use by container \"",
          existing->id(), "\". You have to remove (or rename) that container to be able to reuse "
          "that name."));
    }
  }
  if (request.namespace_holder()) return CreateHolder(ns, request, name);
  if (request.spec().image().empty()) return absl::InvalidArgumentError("no image given");
  if (absl::Status status = ValidateSpec(request.spec()); !status.ok()) return status;
  if (auto remapped = UsesRemappedUserNamespace(request.spec(), deps_.userns_remap); !remapped.ok()) {
    return remapped.status();
  }
  if (absl::Status status = CheckCgroupParent(request.spec(), deps_.cgroup_driver); !status.ok()) {
    return status;
  }

  berth::images::v1::GetImageRequest get;
  get.set_ref(request.spec().image());
  berth::images::v1::ImageDetail image;
  auto image_context = Context();
  namespaces::SetNamespace(*image_context, ns);
  grpc::Status got = deps_.images->Get(image_context.get(), get, &image);
  if (got.error_code() == grpc::StatusCode::NOT_FOUND) {
    return absl::NotFoundError(absl::StrCat("No such image: ", WithTag(request.spec().image())));
  }
  if (!got.ok()) return FromGrpcStatus(got);
  if (absl::Status status = CheckImagePlatform(request.spec().image(), request.spec().platform(),
                                                image.platform());
      !status.ok()) {
    return status;
  }
  if (image.chain_id().empty()) {
    return absl::FailedPreconditionError(absl::StrCat(
        "image ", request.spec().image(), " is not unpacked for this platform; pull it again"));
  }

  v1::ContainerSpec requested = request.spec();
  if (absl::StartsWith(requested.network_mode(), "container:")) {
    // Stored by id, as docker does: a rename of the other does not matter.
    auto other = deps_.store->Resolve(ns, requested.network_mode().substr(10));
    if (!other.ok()) return other.status();
    requested.set_network_mode("container:" + other->id());
  }
  // The IPC and PID donors likewise.
  if (std::string ref = ModeContainer(requested.ipc_mode()); !ref.empty()) {
    auto other = deps_.store->Resolve(ns, ref);
    if (!other.ok()) return other.status();
    requested.set_ipc_mode("container:" + other->id());
  }
  if (std::string ref = ModeContainer(requested.pid_mode()); !ref.empty()) {
    auto other = deps_.store->Resolve(ns, ref);
    if (!other.ok()) return other.status();
    requested.set_pid_mode("container:" + other->id());
  }
  if (absl::Status status = ResolveLinks(ns, &requested); !status.ok()) return status;
  std::string id = fs::RandomHex(32);
  auto merged = MergeImageConfig(requested, image.config_json(), id);
  if (!merged.ok()) return merged.status();
  // Fixed at create, as docker records the daemon's default in LogConfig.
  if (merged->log_driver().empty()) merged->set_log_driver(deps_.log_driver);
  // The defaults of this moment are the container's own from now on (shown
  // in HostConfig.Ulimits, given to exec'd processes and kept across
  // restarts): a reload changes containers created after it.
  if (deps_.live != nullptr) AddDefaultUlimits(deps_.live->Get()->default_ulimits, &*merged);
  std::string host_gateway;
  if (WantsHostGateway(*merged) && deps_.host_gateway) {
    auto gateway = deps_.host_gateway();
    if (!gateway.ok()) return gateway.status();
    host_gateway = *gateway;
  }
  const bool generated = name.empty();
  auto name_in_use = [this](const std::string& n) { return deps_.store->NameInUse(n); };
  if (generated) name = GenerateName(name_in_use);

  v1::Container container;
  container.set_id(id);
  container.set_name(name);
  container.set_namespace_(ns);
  container.set_image_id(image.id());
  container.set_image_config_json(image.config_json());
  container.set_snapshot_key(id);
  SetTime(container.mutable_created_at(), absl::Now());
  container.mutable_state()->set_status(v1::CREATED);
  std::string dir = absl::StrCat(deps_.data_dir, "/containers/", id);
  bool keeps_log = merged->log_driver() == logging::kJsonFileDriver;
  if (keeps_log) container.set_log_path(absl::StrCat(dir, "/", id, "-json.log"));
  // The kubelet's file, made by the shim at start (as containerd); not
  // removed with the container: the kubelet owns it.
  if (merged->log_driver() == logging::kCriDriver) {
    container.set_log_path(merged->log_options().at("path"));
  }
  container.set_hostname_path(dir + "/hostname");
  container.set_hosts_path(dir + "/hosts");
  container.set_resolv_conf_path(dir + "/resolv.conf");

  if (absl::Status status = ComposeSpecMounts(ns, image.config_json(), &*merged); !status.ok()) {
    return status;
  }

  // From here on, undo what was made if a later step fails.
  bool prepared = false;
  auto undo = [&](absl::Status status) {
    ReleaseVolumes(deps_.volumes.get(), id, *merged, /*remove_anonymous=*/true);
    if (prepared) {
      berth::snapshots::v1::RemoveRequest remove;
      remove.set_key(id);
      berth::snapshots::v1::RemoveResponse removed;
      deps_.snapshots->Remove(Context().get(), remove, &removed);
    }
    fs::RemoveAll(dir).IgnoreError();
    return status;
  };
  if (absl::Status status = fs::MakeDirectories(dir, 0700); !status.ok()) return undo(status);
  HostFiles files = MakeHostFiles(*merged, host_gateway);
  for (const auto& [path, text] : {std::pair{container.hostname_path(), files.hostname},
                                   std::pair{container.hosts_path(), files.hosts},
                                   std::pair{container.resolv_conf_path(), files.resolv_conf}}) {
    if (absl::Status status = WriteFile(path, text); !status.ok()) return undo(status);
  }
  if (absl::Status status = keeps_log ? WriteFile(container.log_path(), "", 0640) : absl::OkStatus();
      !status.ok()) {
    return undo(status);
  }
  if (absl::Status status = ResolveMounts(id, &*merged); !status.ok()) return undo(status);
  *container.mutable_spec() = *merged;

  berth::snapshots::v1::PrepareRequest prepare;
  prepare.set_key(id);
  prepare.set_parent(image.chain_id());
  (*prepare.mutable_labels())["berth.container"] = id;
  berth::snapshots::v1::MountsResponse mounts;
  if (grpc::Status status = deps_.snapshots->Prepare(Context().get(), prepare, &mounts);
      !status.ok()) {
    return undo(absl::Status(static_cast<absl::StatusCode>(status.error_code()),
                             "prepare the container's filesystem: " + status.error_message()));
  }
  prepared = true;
  *container.mutable_rootfs() = mounts.mounts();
  // Copy-up reads the image's content in the container's new snapshot.
  if (absl::Status status = PopulateVolumes(id, *merged); !status.ok()) return undo(status);
  absl::Status inserted = deps_.store->Insert(container);
  // A generated name that a concurrent create took meanwhile: another one,
  // as docker's daemon retries its random names.
  for (int attempt = 0; generated && absl::IsAlreadyExists(inserted) && attempt < 5; ++attempt) {
    name = GenerateName(name_in_use);
    container.set_name(name);
    inserted = deps_.store->Insert(container);
  }
  if (!inserted.ok()) return undo(inserted);

  v1::ContainerEvent event;
  event.set_id(id);
  event.set_name(name);
  event.set_image(merged->image());
  event.set_action("create");
  (*event.mutable_attributes())["name"] = name;
  (*event.mutable_attributes())["image"] = merged->image();
  deps_.events->Publish(event, ns);
  v1::CreateContainerResponse response;
  response.set_id(id);
  return response;
}

}  // namespace berth::tasks
