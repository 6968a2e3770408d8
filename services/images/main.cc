// berth-images: the content store, registry client and image metadata.

#include "absl/strings/str_cat.h"
#include "services/common/server/service_main.h"
#include "services/images/images_service.h"
#include "services/images/schema.h"

namespace {

// Owned here so that it outlives the gRPC server that uses it.
std::unique_ptr<berth::store::Database> g_database;

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
    std::vector<std::unique_ptr<grpc::Service>> services;
    services.push_back(std::make_unique<berth::images::ImagesService>(g_database.get()));
    return services;
  };
  return berth::server::RunService(argc, argv, definition);
}
