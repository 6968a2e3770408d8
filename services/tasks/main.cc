// berth-tasks: containers and their running tasks (one shim per container).

#include "absl/strings/str_cat.h"
#include "services/common/server/service_main.h"
#include "services/tasks/containers_service.h"
#include "services/tasks/schema.h"

namespace {

std::unique_ptr<berth::store::Database> g_database;

}  // namespace

int main(int argc, char** argv) {
  berth::server::ServiceDefinition definition;
  definition.name = "tasks";
  definition.make_services = [](berth::server::ServiceContext& context)
      -> absl::StatusOr<std::vector<std::unique_ptr<grpc::Service>>> {
    auto database = berth::store::Database::Open(absl::StrCat(context.data_dir, "/meta.db"),
                                                 berth::tasks::Migrations());
    if (!database.ok()) return database.status();
    g_database = *std::move(database);
    std::vector<std::unique_ptr<grpc::Service>> services;
    services.push_back(std::make_unique<berth::tasks::ContainersService>(g_database.get()));
    services.push_back(std::make_unique<berth::tasks::v1::Tasks::Service>());
    return services;
  };
  return berth::server::RunService(argc, argv, definition);
}
