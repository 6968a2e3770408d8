// berth-builder: images from a Dockerfile (berth build, the Docker API's
// POST /build), as docker's classic builder makes them. A client of the
// images, snapshots and tasks services; its own store is the build cache.
// Supervised by berthd like every service.

#include <memory>
#include <thread>

#include "absl/strings/match.h"
#include "absl/strings/str_cat.h"
#include "services/builder/backends.h"
#include "services/builder/build_cache.h"
#include "services/builder/build_service.h"
#include "services/builder/image_view.h"
#include "services/builder/intermediate_containers.h"
#include "services/builder/schema.h"
#include "services/common/base/log.h"
#include "services/common/fs/fs_util.h"
#include "services/common/server/service_main.h"

namespace {

std::unique_ptr<berth::store::Database> g_database;
std::unique_ptr<berth::builder::Backends> g_backends;
std::unique_ptr<berth::builder::BuildCache> g_cache;
std::unique_ptr<berth::builder::IntermediateContainers> g_containers;

// Snapshots a killed build left (COPY's actives, views): every one named
// build-* is the builder's, and no build runs yet.
void RemoveLeftoverSnapshots(berth::builder::Backends* backends) {
  berth::snapshots::v1::ListRequest request;
  berth::snapshots::v1::ListResponse response;
  grpc::ClientContext context;
  context.set_wait_for_ready(true);
  context.set_deadline(std::chrono::system_clock::now() + std::chrono::seconds(60));
  if (!backends->snapshots->List(&context, request, &response).ok()) return;
  for (const auto& info : response.info()) {
    if (!absl::StartsWith(info.name(), "build-")) continue;
    berth::snapshots::v1::RemoveRequest remove;
    remove.set_key(info.name());
    berth::snapshots::v1::RemoveResponse removed;
    grpc::ClientContext call;
    (void)backends->snapshots->Remove(&call, remove, &removed);
  }
}

}  // namespace

int main(int argc, char** argv) {
  berth::server::ServiceDefinition definition;
  definition.name = "builder";
  definition.make_services = [](berth::server::ServiceContext& context)
      -> absl::StatusOr<std::vector<std::unique_ptr<grpc::Service>>> {
    auto database = berth::store::Database::Open(absl::StrCat(context.data_dir, "/meta.db"),
                                                 berth::builder::Migrations());
    if (!database.ok()) return database.status();
    g_database = *std::move(database);
    g_backends = std::make_unique<berth::builder::Backends>(
        berth::builder::Backends::Connect(context.config.exec_root));
    g_cache = std::make_unique<berth::builder::BuildCache>(g_database.get());
    g_containers = std::make_unique<berth::builder::IntermediateContainers>(g_database.get(),
                                                                           g_backends.get());
    std::string scratch = context.data_dir + "/scratch";
    // Views are unmounted before anything under scratch is removed: a
    // mounted one holds an image's files.
    berth::builder::RemoveLeftoverViews(scratch);
    for (const char* dir : {"/contexts", "/downloads"}) (void)berth::fs::RemoveAll(scratch + dir);
    for (const char* dir : {"", "/contexts", "/downloads", "/views", "/empty"}) {
      if (absl::Status made = berth::fs::MakeDirectories(scratch + dir, 0700); !made.ok()) {
        return made;
      }
    }
    // What an interrupted build left, once the other services answer.
    std::thread([] {
      g_containers->RemoveLeftovers();
      RemoveLeftoverSnapshots(g_backends.get());
    }).detach();
    std::vector<std::unique_ptr<grpc::Service>> services;
    services.push_back(std::make_unique<berth::builder::BuildService>(
        g_backends.get(), g_cache.get(), g_containers.get(), scratch));
    return services;
  };
  return berth::server::RunService(argc, argv, definition);
}
