#include "services/tasks/containers_service.h"

#include "absl/strings/match.h"
#include "absl/strings/numbers.h"
#include "absl/strings/str_cat.h"
#include "absl/strings/strip.h"
#include "services/common/base/grpc_status.h"
#include "services/common/base/time_arg.h"
#include "services/common/fs/fs_util.h"
#include "services/common/namespaces/namespace.h"
#include "services/tasks/container_spec.h"

namespace berth::tasks {
namespace {

const char* StatusName(v1::Status status) {
  switch (status) {
    case v1::CREATED: return "created";
    case v1::RUNNING: return "running";
    case v1::PAUSED: return "paused";
    case v1::RESTARTING: return "restarting";
    case v1::REMOVING: return "removing";
    case v1::EXITED: return "exited";
    case v1::DEAD: return "dead";
    default: return "unknown";
  }
}

// The image a container was made from matches an ancestor filter by name
// (with or without :latest) or by id.
bool AncestorMatches(const v1::Container& container, const std::string& value) {
  const std::string& image = container.spec().image();
  std::string id = container.image_id();
  return image == value || image + ":latest" == value || value + ":latest" == image ||
         id == value || absl::StartsWith(id, "sha256:" + value) ||
         (absl::StartsWith(value, "sha256:") && absl::StartsWith(id, value));
}

// Every "k" or "k=v" of a label filter is on the container (docker's
// MatchKVList).
bool HasAllLabels(const v1::Container& container, const v1::FilterValues& wanted) {
  for (const std::string& value : wanted.values()) {
    size_t eq = value.find('=');
    auto it = container.spec().labels().find(value.substr(0, eq));
    if (it == container.spec().labels().end()) return false;
    if (eq != std::string::npos && it->second != value.substr(eq + 1)) return false;
  }
  return true;
}

}  // namespace

absl::StatusOr<bool> ContainerMatches(
    const v1::Container& container,
    const google::protobuf::Map<std::string, v1::FilterValues>& filters) {
  for (const auto& [key, values] : filters) {
    // Labels are all required (docker's rule: compose asks for a project's
    // service with two label filters); other keys match any of their values.
    if (key == "label") {
      if (!HasAllLabels(container, values)) return false;
      continue;
    }
    bool any = false;
    for (const std::string& value : values.values()) {
      if (key == "status") {
        static const char* kStatuses[] = {"created", "restarting", "running", "removing",
                                          "paused",  "exited",     "dead"};
        if (std::find(std::begin(kStatuses), std::end(kStatuses), value) == std::end(kStatuses)) {
          return absl::InvalidArgumentError(absl::StrCat("invalid filter 'status=", value, "'"));
        }
        any |= value == StatusName(container.state().status());
      } else if (key == "name") {
        any |= absl::StrContains(container.name(), absl::StripPrefix(value, "/"));
      } else if (key == "id") {
        any |= absl::StartsWith(container.id(), value);
      } else if (key == "ancestor") {
        any |= AncestorMatches(container, value);
      } else if (key == "health") {
        static const char* kHealths[] = {"none", "starting", "healthy", "unhealthy"};
        if (std::find(std::begin(kHealths), std::end(kHealths), value) == std::end(kHealths)) {
          return absl::InvalidArgumentError(absl::StrCat(
              "invalid filter 'health=", value, "': invalid value for health (", value,
              "): must be one of none, starting, healthy, unhealthy"));
        }
        const std::string& health = container.state().health();
        any |= value == (health.empty() ? "none" : health);
      } else if (key == "exited") {
        int code = 0;
        if (!absl::SimpleAtoi(value, &code)) {
          return absl::InvalidArgumentError(absl::StrCat("invalid filter 'exited=", value, "'"));
        }
        any |= container.state().status() == v1::EXITED && container.state().exit_code() == code;
      } else {
        return absl::InvalidArgumentError(absl::StrCat("invalid filter '", key, "'"));
      }
    }
    if (!any) return false;
  }
  return true;
}

grpc::Status ContainersService::Create(grpc::ServerContext* context,
                                       const v1::CreateContainerRequest* request,
                                       v1::CreateContainerResponse* response) {
  auto ns = namespaces::NamespaceOf(*context);
  if (!ns.ok()) return ToGrpcStatus(ns.status());
  auto created = factory_->Create(*ns, *request);
  if (!created.ok()) return ToGrpcStatus(created.status());
  *response = *created;
  return grpc::Status::OK;
}

grpc::Status ContainersService::Get(grpc::ServerContext* context,
                                    const v1::GetContainerRequest* request,
                                    v1::Container* response) {
  auto ns = namespaces::NamespaceOf(*context);
  if (!ns.ok()) return ToGrpcStatus(ns.status());
  auto container = store_->Resolve(*ns, request->id());
  if (!container.ok()) return ToGrpcStatus(container.status());
  *response = *container;
  return grpc::Status::OK;
}

grpc::Status ContainersService::List(grpc::ServerContext* context,
                                     const v1::ListContainersRequest* request,
                                     v1::ListContainersResponse* response) {
  auto ns = namespaces::NamespaceOf(*context);
  if (!ns.ok()) return ToGrpcStatus(ns.status());
  for (const v1::Container& container : store_->List(*ns)) {
    bool running = container.state().status() == v1::RUNNING ||
                   container.state().status() == v1::PAUSED ||
                   container.state().status() == v1::RESTARTING;
    // A status filter shows stopped containers as docker ps does.
    if (!request->all() && !running && request->filters().count("status") == 0 &&
        request->filters().count("exited") == 0) {
      continue;
    }
    auto matches = ContainerMatches(container, request->filters());
    if (!matches.ok()) return ToGrpcStatus(matches.status());
    if (!*matches) continue;
    *response->add_containers() = container;
    if (request->limit() > 0 && response->containers_size() >= request->limit()) break;
  }
  return grpc::Status::OK;
}

grpc::Status ContainersService::Update(grpc::ServerContext* context,
                                       const v1::UpdateContainerRequest* request,
                                       v1::UpdateContainerResponse*) {
  auto ns = namespaces::NamespaceOf(*context);
  if (!ns.ok()) return ToGrpcStatus(ns.status());
  auto container = store_->Resolve(*ns, request->id());
  if (!container.ok()) return ToGrpcStatus(container.status());
  v1::ContainerSpec candidate = container->spec();
  // Only the limits given change (docker update).
  const auto& r = request->resources();
  auto* resources = candidate.mutable_resources();
  if (r.memory_bytes() != 0) resources->set_memory_bytes(r.memory_bytes());
  if (r.memory_swap_bytes() != 0) resources->set_memory_swap_bytes(r.memory_swap_bytes());
  if (r.cpu_quota_us() != 0) resources->set_cpu_quota_us(r.cpu_quota_us());
  if (r.cpu_period_us() != 0) resources->set_cpu_period_us(r.cpu_period_us());
  if (r.cpu_shares() != 0) resources->set_cpu_shares(r.cpu_shares());
  if (!r.cpuset_cpus().empty()) resources->set_cpuset_cpus(r.cpuset_cpus());
  if (r.pids_limit() != 0) resources->set_pids_limit(r.pids_limit());
  if (r.blkio_weight() != 0) resources->set_blkio_weight(r.blkio_weight());
  if (request->has_restart_policy() && !request->restart_policy().name().empty()) {
    if (candidate.auto_remove() && request->restart_policy().name() != "no") {
      return grpc::Status(grpc::StatusCode::INVALID_ARGUMENT,
                          "Restart policy cannot be updated because AutoRemove is enabled for the "
                          "container");
    }
    *candidate.mutable_restart_policy() = request->restart_policy();
  }
  if (absl::Status status = ValidateRestartPolicy(candidate); !status.ok()) {
    return ToGrpcStatus(status);
  }
  if (absl::Status status = ValidateResources(candidate.resources()); !status.ok()) {
    return ToGrpcStatus(status);
  }
  if (absl::Status status = tasks_->UpdateResources(*ns, container->id(), candidate.resources());
      !status.ok()) {
    return ToGrpcStatus(status, "update " + request->id());
  }
  auto updated = store_->Update(container->id(), [&](v1::Container& c) {
    *c.mutable_spec() = candidate;
    return absl::OkStatus();
  });
  return ToGrpcStatus(updated.status());
}

grpc::Status ContainersService::Rename(grpc::ServerContext* context,
                                       const v1::RenameContainerRequest* request,
                                       v1::RenameContainerResponse*) {
  auto ns = namespaces::NamespaceOf(*context);
  if (!ns.ok()) return ToGrpcStatus(ns.status());
  std::string name(absl::StripPrefix(request->new_name(), "/"));
  if (!ValidContainerName(name)) {
    return grpc::Status(grpc::StatusCode::INVALID_ARGUMENT,
                        absl::StrCat("Invalid container name (", name,
                                     "), only [a-zA-Z0-9][a-zA-Z0-9_.-] are allowed"));
  }
  auto container = store_->Resolve(*ns, request->id());
  if (!container.ok()) return ToGrpcStatus(container.status());
  if (container->name() == name) {
    return grpc::Status(grpc::StatusCode::INVALID_ARGUMENT,
                        "Renaming a container with the same name as its current name");
  }
  if (absl::Status status = store_->Rename(container->id(), name); !status.ok()) {
    return ToGrpcStatus(status);
  }
  // The name servers answer to the new name from now on (docker renames
  // the endpoints too).
  return ToGrpcStatus(networks_->Rename(container->id(), name), "rename " + request->id());
}

grpc::Status ContainersService::ConnectNetwork(grpc::ServerContext* context,
                                               const v1::ConnectNetworkRequest* request,
                                               v1::ConnectNetworkResponse*) {
  auto ns = namespaces::NamespaceOf(*context);
  if (!ns.ok()) return ToGrpcStatus(ns.status());
  return ToGrpcStatus(networks_->Connect(*ns, *request));
}

grpc::Status ContainersService::DisconnectNetwork(grpc::ServerContext* context,
                                                  const v1::DisconnectNetworkRequest* request,
                                                  v1::DisconnectNetworkResponse*) {
  auto ns = namespaces::NamespaceOf(*context);
  if (!ns.ok()) return ToGrpcStatus(ns.status());
  return ToGrpcStatus(networks_->Disconnect(*ns, *request));
}

grpc::Status ContainersService::Delete(grpc::ServerContext* context,
                                       const v1::DeleteContainerRequest* request,
                                       v1::DeleteContainerResponse*) {
  auto ns = namespaces::NamespaceOf(*context);
  if (!ns.ok()) return ToGrpcStatus(ns.status());
  return ToGrpcStatus(
      tasks_->Remove(*ns, request->id(), request->force(), request->remove_volumes()));
}

grpc::Status ContainersService::Prune(grpc::ServerContext* context,
                                      const v1::PruneContainersRequest* request,
                                      v1::PruneContainersResponse* response) {
  auto ns = namespaces::NamespaceOf(*context);
  if (!ns.ok()) return ToGrpcStatus(ns.status());
  // docker's prune filters: until=, label=, label!=; no other is ignored.
  absl::Time until = absl::InfiniteFuture();
  for (const auto& [key, values] : request->filters()) {
    if (key == "until") {
      if (values.values_size() > 1) {
        return ToGrpcStatus(absl::InvalidArgumentError("more than one until filter specified"));
      }
      if (values.values_size() == 1) {
        auto parsed = ParseTimeArg(values.values(0), absl::Now());
        if (!parsed.ok()) return ToGrpcStatus(parsed.status());
        until = *parsed;
      }
    } else if (key != "label" && key != "label!") {
      return ToGrpcStatus(absl::InvalidArgumentError(absl::StrCat("invalid filter '", key, "'")));
    }
  }
  const auto& filters = request->filters();
  for (const v1::Container& container : store_->List(*ns)) {
    auto status = container.state().status();
    if (status != v1::EXITED && status != v1::CREATED && status != v1::DEAD) continue;
    if (container.has_created_at() &&
        absl::FromUnixSeconds(container.created_at().seconds()) > until) {
      continue;
    }
    if (auto it = filters.find("label"); it != filters.end() && !HasAllLabels(container, it->second)) {
      continue;
    }
    // label!: kept when it carries every label given (docker's rule).
    if (auto it = filters.find("label!"); it != filters.end() && HasAllLabels(container, it->second)) {
      continue;
    }
    auto usage = fs::DiskUsage(tasks_->ContainerDir(container.id()));
    if (tasks_->Remove(*ns, container.id(), false, false).ok()) {
      response->add_deleted(container.id());
      if (usage.ok()) response->set_space_reclaimed(response->space_reclaimed() + *usage);
    }
  }
  return grpc::Status::OK;
}

}  // namespace berth::tasks
