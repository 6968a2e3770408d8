// Namespace holders: the containers behind the CRI's pod sandboxes. A pod's
// network, IPC and UTS namespaces must outlive its containers and every
// berth service, so a shim owns them, as it owns any container; the process
// is berth-pause (no pause image to pull), bound into an empty directory
// that is the container's read-only root. Networking, ports, DNS and the
// hostname are an ordinary container's: the pod's containers join it with
// network_mode container:ID.

#include <fcntl.h>
#include <sys/stat.h>

#include <fstream>

#include "absl/strings/str_cat.h"
#include "services/common/fs/fs_util.h"
#include "services/tasks/container_factory.h"
#include "services/tasks/container_spec.h"
#include "services/tasks/names.h"
#include "services/tasks/time_util.h"

namespace berth::tasks {
namespace {

constexpr char kPauseInContainer[] = "/pause";

absl::Status WriteHostFile(const std::string& path, const std::string& text) {
  std::ofstream out(path, std::ios::trunc);
  out << text;
  out.close();
  if (!out) return absl::InternalError("write " + path);
  return absl::OkStatus();
}

// What a holder may be asked for: no image, no command of its own, no
// mounts (it runs nothing that would read them).
absl::Status CheckHolderSpec(const v1::ContainerSpec& spec) {
  if (!spec.image().empty()) {
    return absl::InvalidArgumentError("a namespace holder has no image");
  }
  if (spec.entrypoint_size() > 0 || spec.cmd_size() > 0) {
    return absl::InvalidArgumentError("a namespace holder runs berth-pause, no command of its own");
  }
  if (spec.mounts_size() > 0 || spec.volumes_from_size() > 0) {
    return absl::InvalidArgumentError("a namespace holder has no mounts");
  }
  return absl::OkStatus();
}

}  // namespace

absl::StatusOr<v1::CreateContainerResponse> ContainerFactory::CreateHolder(
    const std::string& ns, const v1::CreateContainerRequest& request,
    const std::string& requested_name) {
  if (absl::Status status = CheckHolderSpec(request.spec()); !status.ok()) return status;
  if (absl::Status status = ValidateSpec(request.spec()); !status.ok()) return status;
  if (absl::Status status = CheckCgroupParent(request.spec(), deps_.cgroup_driver); !status.ok()) {
    return status;
  }
  struct stat pause;
  if (::stat(deps_.pause_binary.c_str(), &pause) != 0) {
    return absl::FailedPreconditionError(
        absl::StrCat("namespace holder: ", deps_.pause_binary, " is missing"));
  }
  std::string id = fs::RandomHex(32);
  v1::ContainerSpec spec = request.spec();
  spec.add_entrypoint(kPauseInContainer);
  spec.set_read_only_rootfs(true);
  // Its namespaces are joined by containers that may be remapped or not;
  // berth-pause needs no protection of its own from a user namespace.
  spec.set_userns_mode("host");
  spec.set_log_driver("none");
  auto* binary = spec.add_mounts();
  binary->set_type("bind");
  binary->set_source(deps_.pause_binary);
  binary->set_resolved_source(deps_.pause_binary);
  binary->set_destination(kPauseInContainer);
  binary->set_read_only(true);
  binary->set_propagation("rprivate");
  auto merged = MergeImageConfig(spec, "", id);
  if (!merged.ok()) return merged.status();

  std::string name = requested_name;
  const bool generated = name.empty();
  auto name_in_use = [this](const std::string& n) { return deps_.store->NameInUse(n); };
  if (generated) name = GenerateName(name_in_use);
  std::string dir = absl::StrCat(deps_.data_dir, "/containers/", id);
  v1::Container container;
  container.set_id(id);
  container.set_name(name);
  container.set_namespace_(ns);
  SetTime(container.mutable_created_at(), absl::Now());
  container.mutable_state()->set_status(v1::CREATED);
  container.set_hostname_path(dir + "/hostname");
  container.set_hosts_path(dir + "/hosts");
  container.set_resolv_conf_path(dir + "/resolv.conf");
  // The root: an empty directory of its own, where the shim makes the
  // mount points (/proc, /dev, /etc/hosts...) before it turns read-only.
  auto* root = container.add_rootfs();
  root->set_type("bind");
  root->set_source(dir + "/rootfs");
  root->add_options("rbind");
  root->add_options("rw");
  *container.mutable_spec() = *merged;

  auto undo = [&dir](absl::Status status) {
    fs::RemoveAll(dir).IgnoreError();
    return status;
  };
  if (absl::Status status = fs::MakeDirectories(dir + "/rootfs", 0755); !status.ok()) {
    return undo(status);
  }
  HostFiles files = MakeHostFiles(*merged);
  for (const auto& [path, text] : {std::pair{container.hostname_path(), files.hostname},
                                   std::pair{container.hosts_path(), files.hosts},
                                   std::pair{container.resolv_conf_path(), files.resolv_conf}}) {
    if (absl::Status status = WriteHostFile(path, text); !status.ok()) return undo(status);
  }
  absl::Status inserted = deps_.store->Insert(container);
  for (int attempt = 0; generated && absl::IsAlreadyExists(inserted) && attempt < 5; ++attempt) {
    container.set_name(GenerateName(name_in_use));
    inserted = deps_.store->Insert(container);
  }
  if (!inserted.ok()) return undo(inserted);

  v1::ContainerEvent event;
  event.set_id(id);
  event.set_name(container.name());
  event.set_action("create");
  (*event.mutable_attributes())["name"] = container.name();
  deps_.events->Publish(event, ns);
  v1::CreateContainerResponse response;
  response.set_id(id);
  return response;
}

}  // namespace berth::tasks
