// berth-cri: the Kubernetes Container Runtime Interface (runtime.v1) for a
// kubelet or crictl, on the daemon.json "cri-socket" (<exec-root>/cri.sock
// unless set; "" turns it off). A client of the images, snapshots, tasks
// and network services, working in their k8s.io namespace; supervised by
// berthd like every service.

#include <memory>

#include "absl/strings/str_cat.h"
#include "services/common/base/log.h"
#include "services/common/server/service_main.h"
#include "services/cri/backends.h"
#include "services/cri/container_events.h"
#include "services/cri/cri_containers.h"
#include "services/cri/cri_images.h"
#include "services/cri/cri_stats.h"
#include "services/cri/image_service.h"
#include "services/cri/oom_score.h"
#include "services/cri/pod_sandboxes.h"
#include "services/cri/pod_store.h"
#include "services/cri/runtime_info.h"
#include "services/cri/runtime_service.h"
#include "services/cri/schema.h"
#include "services/cri/settings_store.h"
#include "services/cri/stream_server.h"
#include "services/cri/tasks_client.h"

namespace {

// Owned here so that they outlive the gRPC server that uses them.
std::unique_ptr<berth::store::Database> g_database;
std::unique_ptr<berth::cri::SettingsStore> g_settings;
std::unique_ptr<berth::cri::Backends> g_backends;
std::unique_ptr<berth::cri::CriImages> g_images;
std::unique_ptr<berth::cri::RuntimeInfo> g_info;
std::unique_ptr<berth::cri::PodStore> g_pod_store;
std::unique_ptr<berth::cri::TasksClient> g_tasks;
std::unique_ptr<berth::cri::PodSandboxes> g_pods;
std::unique_ptr<berth::cri::CriContainers> g_containers;
std::unique_ptr<berth::cri::CriStats> g_stats;
std::unique_ptr<berth::cri::ContainerEvents> g_events;
std::unique_ptr<berth::cri::StreamServer> g_streams;

}  // namespace

int main(int argc, char** argv) {
  berth::server::ServiceDefinition definition;
  definition.name = "cri";
  definition.make_services = [](berth::server::ServiceContext& context)
      -> absl::StatusOr<std::vector<std::unique_ptr<grpc::Service>>> {
    std::vector<std::unique_ptr<grpc::Service>> services;
    const berth::config::DaemonConfig& config = context.config;
    if (config.cri_socket.empty()) {
      // The service still runs (health, metrics) so that turning the CRI
      // on is a configuration change, not a different set of processes.
      BERTH_LOG(Info) << "cri: off (cri-socket is empty)";
      return services;
    }
    // The frame's own socket is <exec-root>/cri.sock: the default CRI
    // socket is served there, another path in addition.
    if (config.cri_socket != context.socket_path) {
      context.extra_sockets.push_back(config.cri_socket);
    }
    auto database = berth::store::Database::Open(absl::StrCat(context.data_dir, "/meta.db"),
                                                 berth::cri::Migrations());
    if (!database.ok()) return database.status();
    g_database = *std::move(database);
    g_settings = std::make_unique<berth::cri::SettingsStore>(g_database.get());
    g_backends = std::make_unique<berth::cri::Backends>(
        berth::cri::Backends::Connect(config.exec_root));
    const std::string snapshot_root =
        absl::StrCat(config.data_root, "/snapshots/", config.storage_driver);
    g_images = std::make_unique<berth::cri::CriImages>(g_backends.get(), snapshot_root);
    g_info = std::make_unique<berth::cri::RuntimeInfo>(&context.config, g_backends.get(),
                                                       g_settings.get(), config.cri_socket);
    g_pod_store = std::make_unique<berth::cri::PodStore>(g_database.get());
    g_tasks = std::make_unique<berth::cri::TasksClient>(g_backends.get());
    g_pods = std::make_unique<berth::cri::PodSandboxes>(g_pod_store.get(), g_tasks.get(),
                                                        berth::cri::OwnOomScoreAdj());
    g_containers =
        std::make_unique<berth::cri::CriContainers>(g_pods.get(), g_tasks.get(), g_backends.get());
    g_stats = std::make_unique<berth::cri::CriStats>(g_backends.get(), g_containers.get(),
                                                     g_pods.get(), snapshot_root);
    g_events = std::make_unique<berth::cri::ContainerEvents>(g_backends.get(), g_pods.get(),
                                                             g_containers.get());
    if (!config.cri_stream_address.empty()) {
      auto streams = berth::cri::StreamServer::Start(config.cri_stream_address, g_backends.get(),
                                                     g_pods.get(), g_tasks.get());
      if (!streams.ok()) return streams.status();
      g_streams = *std::move(streams);
      BERTH_LOG(Info) << "cri: streaming on " << g_streams->base_url();
    }
    services.push_back(std::make_unique<berth::cri::RuntimeService>(
        g_info.get(), g_pods.get(), g_containers.get(), g_stats.get(), g_events.get(), g_streams.get()));
    services.push_back(std::make_unique<berth::cri::ImageService>(g_images.get()));
    BERTH_LOG(Info) << "cri: runtime.v1 on unix://" << config.cri_socket;
    return services;
  };
  return berth::server::RunService(argc, argv, definition);
}
