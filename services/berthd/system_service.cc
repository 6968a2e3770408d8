#include "services/berthd/system_service.h"

#include <chrono>

#include <grpcpp/client_context.h>

#include "absl/strings/str_cat.h"
#include "absl/time/clock.h"
#include "berth/images/v1/images.grpc.pb.h"
#include "berth/network/v1/network.grpc.pb.h"
#include "berth/snapshots/v1/snapshots.grpc.pb.h"
#include "berth/tasks/v1/tasks.grpc.pb.h"
#include "services/common/base/version.h"
#include "services/common/host/host_info.h"
#include "grpc/health/v1/health.grpc.pb.h"

namespace berth::berthd {
namespace {

constexpr auto kCallTimeout = std::chrono::seconds(2);

void SetTime(absl::Time time, google::protobuf::Timestamp* out) {
  int64_t nanos = absl::ToUnixNanos(time);
  out->set_seconds(nanos / 1000000000);
  out->set_nanos(static_cast<int32_t>(nanos % 1000000000));
}

template <typename Stub>
std::unique_ptr<Stub> Connect(const Backends* backends, const std::string& name) {
  std::shared_ptr<grpc::Channel> channel = backends->Get(name);
  if (channel == nullptr) return nullptr;
  return std::make_unique<Stub>(channel);
}

std::unique_ptr<grpc::ClientContext> Deadline() {
  auto context = std::make_unique<grpc::ClientContext>();
  context->set_deadline(std::chrono::system_clock::now() + kCallTimeout);
  return context;
}

}  // namespace

grpc::Status SystemService::Ping(grpc::ServerContext*, const berth::system::v1::PingRequest*,
                                 berth::system::v1::PingResponse* response) {
  response->set_api_version(kApiVersion);
  return grpc::Status::OK;
}

std::string SystemService::Health(const std::string& service) const {
  std::shared_ptr<grpc::Channel> channel = backends_->Get(service);
  if (channel == nullptr) return "UNKNOWN";
  auto stub = grpc::health::v1::Health::NewStub(channel);
  grpc::health::v1::HealthCheckRequest request;
  grpc::health::v1::HealthCheckResponse response;
  auto context = Deadline();
  grpc::Status status = stub->Check(context.get(), request, &response);
  if (!status.ok()) return "NOT_SERVING";
  return grpc::health::v1::HealthCheckResponse::ServingStatus_Name(response.status());
}

grpc::Status SystemService::Version(grpc::ServerContext*,
                                    const berth::system::v1::VersionRequest*,
                                    berth::system::v1::VersionResponse* response) {
  response->set_version(kVersion);
  response->set_api_version(kApiVersion);
  response->set_os("linux");
  response->set_arch(host::OciArchitecture());
  response->set_kernel_version(host::KernelVersion());
  auto* berthd = response->add_components();
  berthd->set_name("berthd");
  berthd->set_version(kVersion);
  berthd->set_health("SERVING");
  for (const ServiceStatus& service : supervisor_->Snapshot()) {
    auto* component = response->add_components();
    component->set_name(service.name);
    component->set_version(kVersion);
    component->set_health(Health(service.name));
  }
  return grpc::Status::OK;
}

void SystemService::CountObjects(berth::system::v1::InfoResponse* response) const {
  auto warn = [response](const std::string& what, const grpc::Status& status) {
    response->add_warnings(absl::StrCat("WARNING: cannot count ", what, ": ",
                                        status.error_message()));
  };
  if (auto containers = Connect<berth::tasks::v1::Containers::Stub>(backends_, "tasks")) {
    berth::tasks::v1::ListContainersRequest request;
    request.set_all(true);
    berth::tasks::v1::ListContainersResponse list;
    auto context = Deadline();
    grpc::Status status = containers->List(context.get(), request, &list);
    if (status.ok()) {
      response->set_containers(list.containers_size());
      for (const auto& container : list.containers()) {
        switch (container.state().status()) {
          case berth::tasks::v1::RUNNING:
          case berth::tasks::v1::RESTARTING:
            response->set_containers_running(response->containers_running() + 1);
            break;
          case berth::tasks::v1::PAUSED:
            response->set_containers_paused(response->containers_paused() + 1);
            break;
          default:
            response->set_containers_stopped(response->containers_stopped() + 1);
        }
      }
    } else {
      warn("containers", status);
    }
  }
  if (auto images = Connect<berth::images::v1::Images::Stub>(backends_, "images")) {
    berth::images::v1::ListImagesResponse list;
    auto context = Deadline();
    grpc::Status status = images->List(context.get(), {}, &list);
    status.ok() ? response->set_images(list.images_size()) : warn("images", status);
  }
  if (auto volumes = Connect<berth::snapshots::v1::Volumes::Stub>(backends_, "snapshots")) {
    berth::snapshots::v1::ListVolumesResponse list;
    auto context = Deadline();
    grpc::Status status = volumes->List(context.get(), {}, &list);
    status.ok() ? response->set_volumes(list.volumes_size()) : warn("volumes", status);
  }
  if (auto networks = Connect<berth::network::v1::Networks::Stub>(backends_, "network")) {
    berth::network::v1::ListNetworksResponse list;
    auto context = Deadline();
    grpc::Status status = networks->List(context.get(), {}, &list);
    status.ok() ? response->set_networks(list.networks_size()) : warn("networks", status);
  }
}

grpc::Status SystemService::Info(grpc::ServerContext*, const berth::system::v1::InfoRequest*,
                                 berth::system::v1::InfoResponse* response) {
  std::shared_ptr<const config::DaemonConfig> config = config_->Get();
  response->set_id(daemon_id_);
  response->set_name(host::Hostname());
  response->set_server_version(kVersion);
  response->set_data_root(config->data_root);
  response->set_exec_root(config->exec_root);
  response->set_storage_driver(config->storage_driver);
  response->set_logging_driver(config->log_driver);
  host::CgroupLayout cgroups = host::DetectCgroupLayout();
  response->set_cgroup_version(std::to_string(cgroups.version));
  response->set_cgroup_driver(config->cgroup_driver);  // resolved at start
  response->add_security_options("name=seccomp,profile=builtin");
  if (!config->userns_remap.empty()) response->add_security_options("name=userns");
  response->set_kernel_version(host::KernelVersion());
  response->set_operating_system(host::OperatingSystem());
  response->set_os_type("linux");
  response->set_architecture(host::Architecture());
  response->set_ncpu(host::CpuCount());
  response->set_mem_total(host::MemTotalBytes());
  for (const std::string& mirror : config->registry_mirrors) response->add_registry_mirrors(mirror);
  for (const std::string& registry : config::InsecureRegistries(*config)) {
    response->add_insecure_registries(registry);
  }
  for (const std::string& host : config->hosts) response->add_hosts(host);
  response->set_debug(config->debug);
  for (const std::string& label : config->labels) response->add_labels(label);
  response->set_live_restore_enabled(config->live_restore);
  for (const auto& [name, limit] : config->default_ulimits) {
    response->add_default_ulimits(absl::StrCat(name, "=", limit.soft, ":", limit.hard));
  }
  response->set_shutdown_timeout(config->shutdown_timeout);
  response->set_max_concurrent_downloads(config->max_concurrent_downloads);
  response->set_max_concurrent_uploads(config->max_concurrent_uploads);
  response->set_metrics_address(config->metrics_addr);
  for (const ServiceStatus& service : supervisor_->Snapshot()) {
    auto* state = response->add_services();
    state->set_name(service.name);
    state->set_state(service.state);
    state->set_pid(service.pid);
    state->set_restarts(service.restarts);
    state->set_socket(service.socket_path);
    state->set_last_error(service.last_error);
    if (service.started_at != absl::Time()) SetTime(service.started_at, state->mutable_started_at());
    if (service.state != "running") {
      response->add_warnings(absl::StrCat("WARNING: service ", service.name, " is ",
                                          service.state,
                                          service.last_error.empty() ? "" : " (" + service.last_error + ")"));
    }
  }
  if (cgroups.version == 1) {
    response->add_warnings("WARNING: cgroup v1 is deprecated on most distributions; berth supports it");
  }
  CountObjects(response);
  SetTime(absl::Now(), response->mutable_system_time());
  return grpc::Status::OK;
}

}  // namespace berth::berthd
