#include "services/cri/container_status.h"

#include "absl/strings/str_cat.h"
#include "nlohmann/json.hpp"
#include "services/cri/container_request.h"
#include "services/cri/cri_labels.h"

namespace berth::cri {
namespace {

using berth::tasks::v1::Container;

int64_t Nanos(const google::protobuf::Timestamp& time) {
  return time.seconds() * 1000000000 + time.nanos();
}

std::string Label(const Container& container, const std::string& key) {
  auto it = container.spec().labels().find(key);
  return it == container.spec().labels().end() ? "" : it->second;
}

}  // namespace

bool IsCriContainer(const Container& container) {
  return Label(container, kKindLabel) == kKindContainer;
}

std::string SandboxIdOf(const Container& container) { return Label(container, kSandboxIdLabel); }

bool Running(const berth::tasks::v1::Container& container) {
  return container.state().status() == berth::tasks::v1::RUNNING ||
         container.state().status() == berth::tasks::v1::PAUSED ||
         container.state().status() == berth::tasks::v1::RESTARTING;
}

runtime::v1::ContainerState CriState(const Container& container) {
  switch (container.state().status()) {
    case berth::tasks::v1::CREATED:
      return runtime::v1::CONTAINER_CREATED;
    case berth::tasks::v1::RUNNING:
    case berth::tasks::v1::PAUSED:
    case berth::tasks::v1::RESTARTING:
      return runtime::v1::CONTAINER_RUNNING;
    case berth::tasks::v1::EXITED:
    case berth::tasks::v1::DEAD:
      return runtime::v1::CONTAINER_EXITED;
    default:
      return runtime::v1::CONTAINER_UNKNOWN;
  }
}

runtime::v1::Container ToCriContainer(const Container& container) {
  runtime::v1::ContainerConfig facts = DecodeFacts(Label(container, kContainerConfigLabel));
  runtime::v1::Container out;
  out.set_id(container.id());
  out.set_pod_sandbox_id(SandboxIdOf(container));
  *out.mutable_metadata() = facts.metadata();
  *out.mutable_image() = facts.image();
  out.set_image_ref(container.image_id());
  out.set_state(CriState(container));
  out.set_created_at(Nanos(container.created_at()));
  *out.mutable_labels() = facts.labels();
  *out.mutable_annotations() = facts.annotations();
  return out;
}

runtime::v1::ContainerStatus ToCriStatus(const Container& container,
                                         const std::string& log_directory) {
  runtime::v1::ContainerConfig facts = DecodeFacts(Label(container, kContainerConfigLabel));
  runtime::v1::ContainerStatus status;
  status.set_id(container.id());
  *status.mutable_metadata() = facts.metadata();
  status.set_state(CriState(container));
  status.set_created_at(Nanos(container.created_at()));
  const auto& state = container.state();
  if (status.state() != runtime::v1::CONTAINER_CREATED) {
    status.set_started_at(Nanos(state.started_at()));
  }
  if (status.state() == runtime::v1::CONTAINER_EXITED) {
    status.set_finished_at(Nanos(state.finished_at()));
    status.set_exit_code(state.exit_code());
    // containerd's reasons, which the kubelet shows as the container's.
    if (state.oom_killed()) {
      status.set_reason("OOMKilled");
    } else if (state.exit_code() == 0) {
      status.set_reason("Completed");
    } else {
      status.set_reason("Error");
    }
    status.set_message(state.error());
  }
  *status.mutable_image() = facts.image();
  status.set_image_ref(container.image_id());
  *status.mutable_labels() = facts.labels();
  *status.mutable_annotations() = facts.annotations();
  *status.mutable_mounts() = facts.mounts();
  if (!facts.log_path().empty() && !log_directory.empty()) {
    status.set_log_path(absl::StrCat(log_directory, "/", facts.log_path()));
  }
  return status;
}

std::string VerboseContainerInfo(const Container& container) {
  nlohmann::json info = {
      {"sandboxID", SandboxIdOf(container)},
      {"pid", container.state().pid()},
      {"removing", container.state().status() == berth::tasks::v1::REMOVING},
      {"snapshotKey", container.snapshot_key()},
      {"snapshotter", "overlayfs"},
      {"runtimeType", "berth-shim"},
      {"config",
       {{"image", container.spec().image()},
        {"entrypoint", std::vector<std::string>(container.spec().entrypoint().begin(),
                                                container.spec().entrypoint().end())},
        {"cmd", std::vector<std::string>(container.spec().cmd().begin(), container.spec().cmd().end())},
        {"user", container.spec().user()},
        {"workingDir", container.spec().working_dir()},
        {"networkMode", container.spec().network_mode()},
        {"cgroupParent", container.spec().cgroup_parent()}}},
  };
  return info.dump();
}

bool MatchesSelector(const google::protobuf::Map<std::string, std::string>& labels,
                     const google::protobuf::Map<std::string, std::string>& selector) {
  for (const auto& [key, value] : selector) {
    auto it = labels.find(key);
    if (it == labels.end() || it->second != value) return false;
  }
  return true;
}

}  // namespace berth::cri
