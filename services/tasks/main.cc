// berth-tasks: containers and their running tasks (one shim per container).

#include <unistd.h>

#include <algorithm>
#include <fstream>
#include <sstream>
#include <thread>

#include <grpcpp/create_channel.h>

#include "services/common/base/self_path.h"
#include "absl/strings/numbers.h"
#include "absl/strings/str_cat.h"
#include "services/common/server/service_main.h"
#include "services/common/userns/remap.h"
#include "services/tasks/archive_helper.h"
#include "services/tasks/container_factory.h"
#include "services/tasks/container_root.h"
#include "services/tasks/container_metrics.h"
#include "services/tasks/container_networks.h"
#include "services/tasks/container_spec.h"
#include "services/tasks/containers_service.h"
#include "services/tasks/health_monitor.h"
#include "services/tasks/schema.h"
#include "services/tasks/tasks_service.h"

namespace {

// Alive for the whole process: shim monitor threads use them until exit.
std::unique_ptr<berth::store::Database> g_database;
std::unique_ptr<berth::tasks::ContainerStore> g_store;
berth::tasks::EventBroker g_events;
std::unique_ptr<berth::tasks::TaskManager> g_tasks;
std::unique_ptr<berth::tasks::ContainerFactory> g_factory;
std::unique_ptr<berth::tasks::ContainerNetworks> g_networks;

// True when berthd (our parent) is not the one that started us last time:
// a daemon start, when restart policies bring containers back. A restart
// of this service alone under the same berthd is not.
bool IsDaemonStart(const std::string& exec_root) {
  std::string path = exec_root + "/tasks.parent";
  std::ifstream in(path);
  std::string previous;
  std::getline(in, previous);
  std::string current = std::to_string(::getppid());
  std::ofstream(path, std::ios::trunc) << current << "\n";
  return previous != current;
}

}  // namespace

int main(int argc, char** argv) {
  // cp and export re-run this binary to read and write inside a container's
  // root (archive_helper.h).
  if (berth::tasks::IsArchiveHelperCall(argc, argv)) {
    return berth::tasks::ArchiveHelperMain(argc, argv);
  }
  berth::server::ServiceDefinition definition;
  definition.name = "tasks";
  definition.make_services = [](berth::server::ServiceContext& context)
      -> absl::StatusOr<std::vector<std::unique_ptr<grpc::Service>>> {
    auto database = berth::store::Database::Open(absl::StrCat(context.data_dir, "/meta.db"),
                                                 berth::tasks::Migrations());
    if (!database.ok()) return database.status();
    g_database = *std::move(database);
    auto store = berth::tasks::ContainerStore::Open(g_database.get());
    if (!store.ok()) return store.status();
    g_store = *std::move(store);

    const std::string& exec_root = context.config.exec_root;
    auto channel = [&exec_root](const char* name) {
      return grpc::CreateChannel(absl::StrCat("unix://", exec_root, "/", name, ".sock"),
                                 grpc::InsecureChannelCredentials());
    };
    std::shared_ptr<grpc::Channel> snapshots_channel = channel("snapshots");
    std::shared_ptr<berth::snapshots::v1::Snapshots::StubInterface> snapshots =
        berth::snapshots::v1::Snapshots::NewStub(snapshots_channel);
    std::shared_ptr<berth::snapshots::v1::Volumes::StubInterface> volumes =
        berth::snapshots::v1::Volumes::NewStub(snapshots_channel);

    berth::tasks::TaskManagerOptions options;
    options.data_dir = context.data_dir;
    options.exec_root = exec_root;
    options.shim_binary = berth::SelfDirectory() + "/berth-shim";
    const auto& log_opts = context.config.log_opts;
    if (auto it = log_opts.find("max-size"); it != log_opts.end()) {
      options.log_max_size = std::max<int64_t>(0, berth::tasks::ParseLogSize(it->second));
    }
    if (auto it = log_opts.find("max-file"); it != log_opts.end()) {
      absl::SimpleAtoi(it->second, &options.log_max_files);
    }
    if (options.log_max_files < 1) options.log_max_files = 1;
    // berthd has resolved the driver and the parent (the defaults by driver).
    if (!context.config.cgroup_driver.empty()) options.cgroup_driver = context.config.cgroup_driver;
    if (!context.config.cgroup_parent.empty()) options.cgroup_parent = context.config.cgroup_parent;
    if (!context.config.userns_remap.empty()) {
      auto remap = berth::userns::ResolveRemap(context.config.userns_remap);
      if (!remap.ok()) return remap.status();
      for (auto [ranges, out] : {std::pair{&remap->uids, &options.uid_map},
                                 std::pair{&remap->gids, &options.gid_map}}) {
        for (const berth::userns::IdRange& range : *ranges) {
          berth::shim::v1::IDMap map;
          map.set_container_id(range.container_id);
          map.set_host_id(range.host_id);
          map.set_size(range.size);
          out->push_back(map);
        }
      }
    }
    int log_max_files = options.log_max_files;
    std::shared_ptr<berth::network::v1::Networks::StubInterface> networks =
        berth::network::v1::Networks::NewStub(channel("network"));
    g_networks = std::make_unique<berth::tasks::ContainerNetworks>(g_store.get(), networks,
                                                                   context.config.host_gateway_ip);
    auto host_gateway = [] { return g_networks->HostGateway(); };
    options.host_gateway = host_gateway;
    g_tasks = std::make_unique<berth::tasks::TaskManager>(options, g_store.get(), &g_events,
                                                          snapshots, volumes, networks);
    berth::tasks::ContainerFactoryDeps deps;
    deps.data_dir = context.data_dir;
    deps.pause_binary = berth::SelfDirectory() + "/berth-pause";
    deps.userns_remap = !context.config.userns_remap.empty();
    deps.cgroup_driver = options.cgroup_driver;
    deps.log_driver = context.config.log_driver;
    deps.live = context.live;
    deps.host_gateway = host_gateway;
    deps.store = g_store.get();
    deps.events = &g_events;
    std::shared_ptr<berth::images::v1::Images::StubInterface> images =
        berth::images::v1::Images::NewStub(channel("images"));
    deps.images = images;
    deps.snapshots = snapshots;
    deps.volumes = volumes;
    g_factory = std::make_unique<berth::tasks::ContainerFactory>(std::move(deps));

    context.registry->AddCollector([](std::vector<berth::metrics::MetricFamily>* out) {
      berth::tasks::CollectContainerMetrics(*g_store, *g_tasks, out);
    });
    // Never destroyed: probe threads may run until the process ends.
    g_tasks->SetHealthMonitor(new berth::tasks::HealthMonitor(g_store.get(), g_tasks.get()));
    bool daemon_start = IsDaemonStart(exec_root);
    bool live_restore = context.live->Get()->live_restore;
    std::thread([daemon_start, live_restore] { g_tasks->Recover(daemon_start, live_restore); })
        .detach();

    std::vector<std::unique_ptr<grpc::Service>> services;
    berth::tasks::ContainerFilesDeps files;
    files.snapshots = snapshots;
    files.images = images;
    files.scratch_dir = context.data_dir + "/scratch";
    files.events = &g_events;
    berth::tasks::ReleaseScratch(files.scratch_dir);
    services.push_back(std::make_unique<berth::tasks::ContainersService>(
        g_store.get(), g_factory.get(), g_tasks.get(), g_networks.get(), std::move(files)));
    services.push_back(std::make_unique<berth::tasks::TasksService>(
        g_store.get(), g_tasks.get(), &g_events, log_max_files));
    return services;
  };
  // live-restore off: berthd's orderly stop ends the containers first
  // (berthd stops this service before the network service, which their
  // exits still need).
  definition.before_stop = [](berth::server::ServiceContext& context) {
    std::shared_ptr<const berth::config::DaemonConfig> config = context.live->Get();
    if (!config->live_restore && g_tasks != nullptr) g_tasks->Shutdown(config->shutdown_timeout);
  };
  return berth::server::RunService(argc, argv, definition);
}
