// berth-snapshots: layers, container filesystems and volumes.

#include "absl/strings/str_cat.h"
#include "services/common/server/service_main.h"
#include "services/snapshots/schema.h"
#include "services/snapshots/snapshots_service.h"
#include "services/snapshots/snapshotter.h"
#include "services/snapshots/volumes_service.h"

namespace {

std::unique_ptr<berth::store::Database> g_database;
std::unique_ptr<berth::snapshots::Snapshotter> g_snapshotter;

}  // namespace

int main(int argc, char** argv) {
  berth::server::ServiceDefinition definition;
  definition.name = "snapshots";
  definition.make_services = [](berth::server::ServiceContext& context)
      -> absl::StatusOr<std::vector<std::unique_ptr<grpc::Service>>> {
    auto database = berth::store::Database::Open(absl::StrCat(context.data_dir, "/meta.db"),
                                                 berth::snapshots::Migrations());
    if (!database.ok()) return database.status();
    g_database = *std::move(database);
    bool native = context.config.storage_driver == "native";
    auto snapshotter = berth::snapshots::Snapshotter::Open(
        native ? berth::snapshots::Driver::kNative : berth::snapshots::Driver::kOverlay,
        absl::StrCat(context.config.data_root, "/snapshots/", context.config.storage_driver),
        g_database.get());
    if (!snapshotter.ok()) return snapshotter.status();
    g_snapshotter = *std::move(snapshotter);
    auto volumes = std::make_unique<berth::snapshots::VolumesService>(
        g_database.get(), absl::StrCat(context.config.data_root, "/volumes"), g_snapshotter.get());
    if (absl::Status status = volumes->Recover(); !status.ok()) return status;
    std::vector<std::unique_ptr<grpc::Service>> services;
    services.push_back(
        std::make_unique<berth::snapshots::SnapshotsService>(
            g_snapshotter.get(), context.config.max_layer_bytes, context.config.max_layer_entries));
    services.push_back(std::move(volumes));
    return services;
  };
  return berth::server::RunService(argc, argv, definition);
}
