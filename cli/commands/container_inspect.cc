// berth inspect (containers, then images) and berth container inspect.

#include <cstdio>
#include <memory>
#include <string>
#include <vector>

#include "berth/network/v1/network.grpc.pb.h"
#include "cli/commands/container_commands.h"
#include "cli/commands/container_common.h"
#include "cli/commands/container_json.h"
#include "cli/commands/image.h"
#include "cli/output.h"

namespace berth::cli {
namespace {

struct InspectFlags {
  std::vector<std::string> names;
  std::string format, type;
  bool size = false;
};

// The networks a running container was connected to later (network
// connect) are the network service's: its sandbox's other endpoints.
void AddConnectedNetworks(Cli& cli, const berth::tasks::v1::Container& container,
                          nlohmann::json* inspect) {
  auto stub = berth::network::v1::Networks::NewStub(cli.Channel());
  berth::network::v1::GetSandboxRequest request;
  request.set_container_id(container.id());
  berth::network::v1::Sandbox sandbox;
  auto context = Cli::CallContext();
  if (!stub->GetSandbox(context.get(), request, &sandbox).ok()) return;
  nlohmann::json& networks = (*inspect)["NetworkSettings"]["Networks"];
  for (const auto& endpoint : sandbox.endpoints()) {
    if (endpoint.network_id() == container.network_settings().network_id()) continue;
    berth::network::v1::GetNetworkRequest get;
    get.set_id(endpoint.network_id());
    berth::network::v1::Network network;
    auto get_context = Cli::CallContext();
    if (!stub->Get(get_context.get(), get, &network).ok()) continue;
    const std::string& address = endpoint.ipv4_address();
    size_t slash = address.find('/');
    nlohmann::json aliases = nlohmann::json::array();
    for (const std::string& alias : endpoint.aliases()) aliases.push_back(alias);
    networks[network.name()] = {
        {"NetworkID", network.id()},
        {"EndpointID", endpoint.endpoint_id()},
        {"Gateway", endpoint.gateway()},
        {"IPAddress", address.substr(0, slash)},
        {"IPPrefixLen", slash == std::string::npos ? 0 : std::stoi(address.substr(slash + 1))},
        {"MacAddress", endpoint.mac_address()},
        {"Aliases", aliases.empty() ? nlohmann::json(nullptr) : aliases},
        {"Links", nullptr}};
  }
}

int Inspect(Cli& cli, const InspectFlags& flags, bool any_type, const std::string& command) {
  if (int rc = CheckArgCount(command, flags.names.size(), 1, -1)) return rc;
  std::string type = any_type ? flags.type : "container";
  if (!type.empty() && type != "container" && type != "image") {
    std::fprintf(stderr, "\"%s\" is not a valid value for --type\n", type.c_str());
    return kExitDaemonError;
  }
  if (!cli.Channel()) return cli.exit_code;
  nlohmann::json all = nlohmann::json::array();
  int rc = 0;
  for (const std::string& name : flags.names) {
    grpc::Status status;
    if (type != "image") {
      berth::tasks::v1::Container container;
      status = GetContainer(cli, name, &container);
      if (status.ok()) {
        nlohmann::json inspect = ContainerInspectJson(container);
        if (!container.network_settings().network_id().empty()) {
          AddConnectedNetworks(cli, container, &inspect);
        }
        all.push_back(std::move(inspect));
        continue;
      }
    }
    if (status.ok() || status.error_code() == grpc::StatusCode::NOT_FOUND) {
      if (type != "container") {
        nlohmann::json image;
        status = InspectImageJson(cli, name, &image);
        if (status.ok()) {
          all.push_back(image);
          continue;
        }
      }
    }
    if (status.error_code() == grpc::StatusCode::NOT_FOUND) {
      std::fprintf(stderr, "Error: No such %s: %s\n", type.empty() ? "object" : type.c_str(), name.c_str());
      rc = kExitDaemonError;
    } else {
      rc = ReportCallError(status, cli.connection.host, cli.Channel().get());
    }
  }
  return PrintInspect(all, flags.format, rc);
}

}  // namespace

void AddInspectCommand(CLI::App* parent, Cli& cli, bool any_type) {
  auto flags = std::make_shared<InspectFlags>();
  CLI::App* inspect = parent->add_subcommand(
      "inspect", any_type ? "Return low-level information on berth objects"
                          : "Display detailed information on one or more containers");
  inspect->add_option("-f,--format", flags->format, "Format output using a custom template or 'json'");
  inspect->add_flag("-s,--size", flags->size, "Display total file sizes");
  if (any_type) inspect->add_option("--type", flags->type, "Only inspect objects of the given type");
  inspect->add_option("names", flags->names, "Objects");
  std::string command = any_type ? "berth inspect" : "berth container inspect";
  inspect->callback([&cli, flags, any_type, command] { cli.exit_code = Inspect(cli, *flags, any_type, command); });
}

}  // namespace berth::cli
