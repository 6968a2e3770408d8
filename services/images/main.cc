// berth-images: the content store, registry client and image metadata.

#include <grpcpp/create_channel.h>
#include <grpcpp/security/credentials.h>

#include "absl/strings/str_cat.h"
#include "services/common/server/service_main.h"
#include "services/images/content_store.h"
#include "services/images/image_store.h"
#include "services/images/images_service.h"
#include "services/images/operation_lease.h"
#include "services/images/schema.h"

namespace {

// Owned here so that they outlive the gRPC server that uses them.
std::unique_ptr<berth::store::Database> g_database;
std::unique_ptr<berth::images::ContentStore> g_content;
std::unique_ptr<berth::images::ImageStore> g_images;
std::unique_ptr<berth::images::Leases> g_leases;

}  // namespace

int main(int argc, char** argv) {
  berth::server::ServiceDefinition definition;
  definition.name = "images";
  definition.make_services = [](berth::server::ServiceContext& context)
      -> absl::StatusOr<std::vector<std::unique_ptr<grpc::Service>>> {
    auto database = berth::store::Database::Open(absl::StrCat(context.data_dir, "/meta.db"),
                                                 berth::images::Migrations());
    if (!database.ok()) return database.status();
    g_database = *std::move(database);
    auto content = berth::images::ContentStore::Open(context.data_dir);
    if (!content.ok()) return content.status();
    g_content = *std::move(content);
    g_images = std::make_unique<berth::images::ImageStore>(g_database.get());
    g_leases = std::make_unique<berth::images::Leases>(g_database.get());
    // The pulls, imports and loads of a previous process died with it:
    // their leases go, so that a prune can take what they left.
    for (const std::string& prefix : berth::images::OperationLease::Prefixes()) {
      if (absl::Status status = g_leases->DeleteWithPrefix(prefix); !status.ok()) return status;
    }
    // Layers are unpacked by the snapshots service, over its socket.
    std::shared_ptr<berth::snapshots::v1::Snapshots::StubInterface> snapshots =
        berth::snapshots::v1::Snapshots::NewStub(grpc::CreateChannel(
            absl::StrCat("unix://", context.config.exec_root, "/snapshots.sock"),
            grpc::InsecureChannelCredentials()));
    std::shared_ptr<berth::tasks::v1::Containers::StubInterface> containers =
        berth::tasks::v1::Containers::NewStub(grpc::CreateChannel(
            absl::StrCat("unix://", context.config.exec_root, "/tasks.sock"),
            grpc::InsecureChannelCredentials()));
    std::vector<std::unique_ptr<grpc::Service>> services;
    services.push_back(std::make_unique<berth::images::ImagesService>(
        context.live.get(), g_content.get(), g_images.get(), std::move(snapshots),
        std::move(containers), g_leases.get()));
    return services;
  };
  return berth::server::RunService(argc, argv, definition);
}
