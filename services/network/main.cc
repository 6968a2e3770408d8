// berth-network: network namespaces, CNI bridge networks, IPAM and ports.

#include "absl/strings/str_cat.h"
#include "services/common/server/service_main.h"
#include "services/network/networks_service.h"
#include "services/network/sandboxes.h"
#include "services/network/schema.h"

namespace {

std::unique_ptr<berth::store::Database> g_database;
std::unique_ptr<berth::network::Sandboxes> g_sandboxes;

}  // namespace

int main(int argc, char** argv) {
  berth::server::ServiceDefinition definition;
  definition.name = "network";
  definition.make_services = [](berth::server::ServiceContext& context)
      -> absl::StatusOr<std::vector<std::unique_ptr<grpc::Service>>> {
    auto database = berth::store::Database::Open(absl::StrCat(context.data_dir, "/meta.db"),
                                                 berth::network::Migrations());
    if (!database.ok()) return database.status();
    g_database = *std::move(database);
    g_sandboxes = std::make_unique<berth::network::Sandboxes>(g_database.get(), context.data_dir,
                                                              context.config.exec_root);
    g_sandboxes->SetUpstreamNameservers(context.config.dns);
    if (absl::Status status = g_sandboxes->EnsureDefaultNetwork(context.config); !status.ok()) {
      return status;
    }
    g_sandboxes->Reconcile();
    std::vector<std::unique_ptr<grpc::Service>> services;
    services.push_back(
        std::make_unique<berth::network::NetworksService>(g_database.get(), g_sandboxes.get()));
    return services;
  };
  return berth::server::RunService(argc, argv, definition);
}
