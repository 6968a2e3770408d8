#include "services/cri/pod_sandboxes.h"

#include <map>

#include <google/protobuf/util/json_util.h>

#include "absl/strings/match.h"
#include "absl/strings/str_cat.h"
#include "absl/time/clock.h"
#include "nlohmann/json.hpp"
#include "services/common/base/log.h"
#include "services/common/fs/fs_util.h"
#include "services/cri/container_status.h"
#include "services/cri/cri_labels.h"
#include "services/cri/pod_holder_spec.h"

namespace berth::cri {
namespace {

using berth::tasks::v1::Container;

bool HostNetwork(const runtime::v1::PodSandboxConfig& config) {
  return config.linux().security_context().namespace_options().network() == runtime::v1::NODE;
}

runtime::v1::PodSandbox ToPodSandbox(const PodRecord& pod, runtime::v1::PodSandboxState state) {
  runtime::v1::PodSandbox out;
  out.set_id(pod.id);
  *out.mutable_metadata() = pod.config.metadata();
  out.set_state(state);
  out.set_created_at(pod.created_at_ns);
  *out.mutable_labels() = pod.config.labels();
  *out.mutable_annotations() = pod.config.annotations();
  return out;
}

// containerd's verbose "info": what the kubelet and crictl inspectp show.
std::string VerbosePodInfo(const PodRecord& pod, const Container* holder) {
  std::string config_json;
  google::protobuf::util::JsonPrintOptions options;
  options.preserve_proto_field_names = false;
  if (!google::protobuf::util::MessageToJsonString(pod.config, &config_json, options).ok()) {
    config_json = "{}";
  }
  nlohmann::json info = {
      {"pid", holder != nullptr ? holder->state().pid() : 0},
      {"processStatus", holder != nullptr && Running(*holder) ? "running" : "stopped"},
      {"netNamespaceClosed", holder == nullptr || !Running(*holder)},
      {"netns", holder != nullptr ? holder->netns_path() : ""},
      {"holderContainerID", pod.holder_id},
      {"runtimeHandler", ""},
      {"runtimeType", "berth-shim"},
      {"config", nlohmann::json::parse(config_json, nullptr, false)},
  };
  return info.dump();
}

}  // namespace

absl::StatusOr<std::string> PodSandboxes::Run(const runtime::v1::PodSandboxConfig& config) {
  if (absl::Status status = ValidatePodMetadata(config); !status.ok()) return status;
  PodRecord pod;
  pod.id = fs::RandomHex(32);
  pod.state = runtime::v1::SANDBOX_NOTREADY;
  pod.created_at_ns = absl::GetCurrentTimeNanos();
  pod.config = config;
  if (absl::Status status = store_->Insert(pod); !status.ok()) return status;
  // From here on, a failure takes back what was made: the kubelet retries
  // with a new attempt, and a half-made pod would hold its name and IP.
  auto undo = [&](absl::Status status, const std::string& step) {
    if (!pod.holder_id.empty()) {
      if (absl::Status removed = tasks_->Remove(pod.holder_id);
          !removed.ok() && !absl::IsNotFound(removed)) {
        BERTH_LOG(Warn) << "cri: pod " << pod.id << ": remove holder: " << removed;
      }
    }
    store_->Remove(pod.id).IgnoreError();
    return absl::Status(status.code(), absl::StrCat(step, ": ", status.message()));
  };
  auto holder = tasks_->Create(HolderRequest(pod.id, config, oom_floor_));
  if (!holder.ok()) return undo(holder.status(), "create the pod's namespace holder");
  pod.holder_id = *holder;
  if (absl::Status status = store_->SetHolder(pod.id, pod.holder_id); !status.ok()) {
    return undo(status, "record the pod");
  }
  if (absl::Status status = tasks_->Start(pod.holder_id); !status.ok()) {
    return undo(status, "start the pod's namespace holder");
  }
  if (absl::Status status = store_->SetState(pod.id, runtime::v1::SANDBOX_READY); !status.ok()) {
    return undo(status, "record the pod");
  }
  return pod.id;
}

absl::StatusOr<PodRecord> PodSandboxes::Resolve(const std::string& id) const {
  if (id.empty()) return absl::InvalidArgumentError("pod sandbox id must not be empty");
  auto exact = store_->Get(id);
  if (!absl::IsNotFound(exact.status())) return exact;
  auto pods = store_->List();
  if (!pods.ok()) return pods.status();
  const PodRecord* found = nullptr;
  for (const PodRecord& pod : *pods) {
    if (!absl::StartsWith(pod.id, id)) continue;
    if (found != nullptr) {
      return absl::NotFoundError(absl::StrCat("pod sandbox id prefix ", id, " is ambiguous"));
    }
    found = &pod;
  }
  if (found == nullptr) return absl::NotFoundError(absl::StrCat("pod sandbox ", id, " not found"));
  return *found;
}

absl::Status PodSandboxes::StopContainers(const std::string& pod_id) {
  auto containers = tasks_->ListLabelled(kSandboxIdLabel, pod_id);
  if (!containers.ok()) return containers.status();
  for (const Container& container : *containers) {
    if (!IsCriContainer(container) || !Running(container)) continue;
    absl::Status status = tasks_->Stop(container.id(), 0);
    if (!status.ok() && !absl::IsNotFound(status)) {
      return absl::Status(status.code(),
                          absl::StrCat("stop container ", container.id(), ": ", status.message()));
    }
  }
  return absl::OkStatus();
}

absl::Status PodSandboxes::Stop(const std::string& id) {
  auto pod = Resolve(id);
  if (!pod.ok()) return pod.status();
  if (absl::Status status = StopContainers(pod->id); !status.ok()) return status;
  if (!pod->holder_id.empty()) {
    // The holder's exit releases the pod's network (netns, veth, IP).
    absl::Status status = tasks_->Stop(pod->holder_id, 0);
    if (!status.ok() && !absl::IsNotFound(status)) {
      return absl::Status(status.code(),
                          absl::StrCat("stop the pod's namespace holder: ", status.message()));
    }
  }
  return store_->SetState(pod->id, runtime::v1::SANDBOX_NOTREADY);
}

absl::Status PodSandboxes::Remove(const std::string& id) {
  auto pod = Resolve(id);
  if (absl::IsNotFound(pod.status())) return absl::OkStatus();
  if (!pod.ok()) return pod.status();
  auto containers = tasks_->ListLabelled(kSandboxIdLabel, pod->id);
  if (!containers.ok()) return containers.status();
  for (const Container& container : *containers) {
    if (container.id() == pod->holder_id) continue;
    absl::Status status = tasks_->Remove(container.id());
    if (!status.ok() && !absl::IsNotFound(status)) {
      return absl::Status(status.code(),
                          absl::StrCat("remove container ", container.id(), ": ", status.message()));
    }
  }
  if (!pod->holder_id.empty()) {
    absl::Status status = tasks_->Remove(pod->holder_id);
    if (!status.ok() && !absl::IsNotFound(status)) {
      return absl::Status(status.code(),
                          absl::StrCat("remove the pod's namespace holder: ", status.message()));
    }
  }
  return store_->Remove(pod->id);
}

runtime::v1::PodSandboxState PodSandboxes::StateOf(const PodRecord& pod,
                                                   const Container* holder) const {
  if (pod.state != runtime::v1::SANDBOX_READY || holder == nullptr || !Running(*holder)) {
    return runtime::v1::SANDBOX_NOTREADY;
  }
  return runtime::v1::SANDBOX_READY;
}

absl::StatusOr<runtime::v1::PodSandboxStatusResponse> PodSandboxes::Status(const std::string& id,
                                                                           bool verbose) {
  auto pod = Resolve(id);
  if (!pod.ok()) return pod.status();
  std::optional<Container> holder;
  if (!pod->holder_id.empty()) {
    auto got = tasks_->Get(pod->holder_id);
    if (got.ok()) {
      holder = *std::move(got);
    } else if (!absl::IsNotFound(got.status())) {
      return got.status();
    }
  }
  const Container* holder_ptr = holder ? &*holder : nullptr;
  runtime::v1::PodSandboxStatusResponse response;
  runtime::v1::PodSandboxStatus& status = *response.mutable_status();
  status.set_id(pod->id);
  *status.mutable_metadata() = pod->config.metadata();
  status.set_state(StateOf(*pod, holder_ptr));
  status.set_created_at(pod->created_at_ns);
  if (holder && !HostNetwork(pod->config) && Running(*holder)) {
    status.mutable_network()->set_ip(holder->network_settings().ip_address());
  }
  *status.mutable_linux()->mutable_namespaces()->mutable_options() =
      pod->config.linux().security_context().namespace_options();
  *status.mutable_labels() = pod->config.labels();
  *status.mutable_annotations() = pod->config.annotations();
  if (verbose) (*response.mutable_info())["info"] = VerbosePodInfo(*pod, holder_ptr);
  response.set_timestamp(absl::GetCurrentTimeNanos());
  return response;
}

absl::StatusOr<std::vector<runtime::v1::PodSandbox>> PodSandboxes::List(
    const runtime::v1::PodSandboxFilter& filter) {
  auto pods = store_->List();
  if (!pods.ok()) return pods.status();
  auto holders = tasks_->ListLabelled(kKindLabel, kKindSandbox);
  if (!holders.ok()) return holders.status();
  std::map<std::string, const Container*> by_id;
  for (const Container& holder : *holders) by_id[holder.id()] = &holder;
  std::vector<runtime::v1::PodSandbox> out;
  for (const PodRecord& pod : *pods) {
    if (!filter.id().empty() && !absl::StartsWith(pod.id, filter.id())) continue;
    auto it = by_id.find(pod.holder_id);
    runtime::v1::PodSandboxState state = StateOf(pod, it == by_id.end() ? nullptr : it->second);
    if (filter.has_state() && filter.state().state() != state) continue;
    if (!MatchesSelector(pod.config.labels(), filter.label_selector())) continue;
    out.push_back(ToPodSandbox(pod, state));
  }
  return out;
}

}  // namespace berth::cri
