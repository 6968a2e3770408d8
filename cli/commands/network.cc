// berth network create | ls | inspect | rm | prune | connect | disconnect,
// as docker network.

#include <cstdio>
#include <string>
#include <vector>

#include "absl/strings/str_cat.h"
#include "berth/network/v1/network.grpc.pb.h"
#include "absl/strings/match.h"
#include "cli/commands/commands.h"
#include "cli/commands/object_json.h"
#include "cli/commands/container_common.h"
#include "cli/commands/prune.h"
#include "cli/output.h"

namespace berth::cli {
namespace {

using berth::network::v1::Network;


struct NetworkFlags {
  bool quiet = false, no_trunc = false, internal = false, force = false;
  std::string format, driver = "bridge", subnet, gateway;
  std::vector<std::string> names, labels, aliases;
};

std::unique_ptr<berth::network::v1::Networks::Stub> Stub(Cli& cli) {
  std::shared_ptr<grpc::Channel> channel = cli.Channel();
  return channel ? berth::network::v1::Networks::NewStub(channel) : nullptr;
}

int List(Cli& cli, const NetworkFlags& flags) {
  auto stub = Stub(cli);
  if (!stub) return cli.exit_code;
  berth::network::v1::ListNetworksResponse response;
  auto context = Cli::CallContext();
  grpc::Status status = stub->List(context.get(), {}, &response);
  if (!status.ok()) return ReportCallError(status, cli.connection.host, cli.Channel().get());
  std::vector<std::vector<std::string>> rows = {{"NETWORK ID", "NAME", "DRIVER", "SCOPE"}};
  for (const Network& network : response.networks()) {
    std::string id = flags.no_trunc ? network.id() : network.id().substr(0, 12);
    if (flags.quiet) {
      std::printf("%s\n", id.c_str());
    } else if (!flags.format.empty()) {
      if (!PrintFormatted(flags.format, NetworkJson(network))) return kExitUsage;
    } else {
      rows.push_back({id, network.name(), network.driver(), network.scope()});
    }
  }
  if (!flags.quiet && flags.format.empty()) std::printf("%s", FormatTable(rows).c_str());
  return 0;
}

int Create(Cli& cli, const NetworkFlags& flags) {
  auto stub = Stub(cli);
  if (!stub) return cli.exit_code;
  berth::network::v1::CreateNetworkRequest request;
  request.set_name(flags.names.empty() ? "" : flags.names[0]);
  request.set_driver(flags.driver);
  request.set_internal(flags.internal);
  if (!flags.subnet.empty() || !flags.gateway.empty()) {
    auto* ipam = request.add_ipam();
    ipam->set_subnet(flags.subnet);
    ipam->set_gateway(flags.gateway);
  }
  for (const std::string& label : flags.labels) {
    size_t eq = label.find('=');
    (*request.mutable_labels())[label.substr(0, eq)] = eq == std::string::npos ? "" : label.substr(eq + 1);
  }
  berth::network::v1::CreateNetworkResponse response;
  auto context = Cli::CallContext();
  grpc::Status status = stub->Create(context.get(), request, &response);
  if (!status.ok()) return ReportCallError(status, cli.connection.host, cli.Channel().get());
  std::printf("%s\n", response.id().c_str());
  return 0;
}

int Remove(Cli& cli, const NetworkFlags& flags) {
  auto stub = Stub(cli);
  if (!stub) return cli.exit_code;
  int rc = 0;
  for (const std::string& name : flags.names) {
    berth::network::v1::RemoveNetworkRequest request;
    request.set_id(name);
    berth::network::v1::RemoveNetworkResponse response;
    auto context = Cli::CallContext();
    grpc::Status status = stub->Remove(context.get(), request, &response);
    if (!status.ok()) {
      std::fprintf(stderr, "Error response from daemon: %s\n", status.error_message().c_str());
      rc = 1;
      continue;
    }
    std::printf("%s\n", name.c_str());
  }
  return rc;
}

int Inspect(Cli& cli, const NetworkFlags& flags) {
  auto stub = Stub(cli);
  if (!stub) return cli.exit_code;
  nlohmann::json all = nlohmann::json::array();
  int rc = 0;
  for (const std::string& name : flags.names) {
    berth::network::v1::GetNetworkRequest request;
    request.set_id(name);
    Network network;
    auto context = Cli::CallContext();
    grpc::Status status = stub->Get(context.get(), request, &network);
    if (!status.ok()) {
      std::fprintf(stderr, "Error response from daemon: network %s not found\n", name.c_str());
      rc = 1;
      continue;
    }
    all.push_back(NetworkJson(network));
  }
  return PrintInspect(all, flags.format, rc);
}

// connect and disconnect go through the container's owner (the tasks
// service), which keeps its resolv.conf in step with its networks.
int Connect(Cli& cli, const NetworkFlags& flags) {
  auto stub = ContainersStub(cli);
  if (!stub) return cli.exit_code;
  berth::tasks::v1::ConnectNetworkRequest request;
  request.set_network(flags.names[0]);
  request.set_id(flags.names[1]);
  for (const std::string& alias : flags.aliases) request.add_aliases(alias);
  berth::tasks::v1::ConnectNetworkResponse response;
  auto context = Cli::CallContext();
  grpc::Status status = stub->ConnectNetwork(context.get(), request, &response);
  if (!status.ok()) {
    std::fprintf(stderr, "Error response from daemon: %s\n", status.error_message().c_str());
    return 1;
  }
  return 0;
}

int Disconnect(Cli& cli, const NetworkFlags& flags) {
  auto stub = ContainersStub(cli);
  if (!stub) return cli.exit_code;
  berth::tasks::v1::DisconnectNetworkRequest request;
  request.set_network(flags.names[0]);
  request.set_id(flags.names[1]);
  request.set_force(flags.force);
  berth::tasks::v1::DisconnectNetworkResponse response;
  auto context = Cli::CallContext();
  grpc::Status status = stub->DisconnectNetwork(context.get(), request, &response);
  if (!status.ok()) {
    std::fprintf(stderr, "Error response from daemon: %s\n", status.error_message().c_str());
    return 1;
  }
  return 0;
}

}  // namespace

void AddNetworkCommands(CLI::App& app, Cli& cli) {
  CLI::App* network = app.add_subcommand("network", "Manage networks");
  network->require_subcommand(1);
  auto flags = std::make_shared<NetworkFlags>();
  CLI::App* ls = network->add_subcommand("ls", "List networks");
  ls->alias("list");
  ls->add_flag("-q,--quiet", flags->quiet, "Only display network IDs");
  ls->add_flag("--no-trunc", flags->no_trunc, "Do not truncate the output");
  ls->add_option("--format", flags->format, "Format output using a template");
  ls->callback([&cli, flags] { cli.exit_code = List(cli, *flags); });
  CLI::App* create = network->add_subcommand("create", "Create a network");
  create->add_option("-d,--driver", flags->driver, "Driver to manage the Network");
  create->add_option("--subnet", flags->subnet, "Subnet in CIDR format that represents a network segment");
  create->add_option("--gateway", flags->gateway, "IPv4 Gateway for the master subnet");
  create->add_flag("--internal", flags->internal, "Restrict external access to the network");
  create->add_option("--label", flags->labels, "Set metadata on a network");
  create->add_option("NETWORK", flags->names, "Network name")->required()->expected(1);
  create->callback([&cli, flags] { cli.exit_code = Create(cli, *flags); });
  CLI::App* rm = network->add_subcommand("rm", "Remove one or more networks");
  rm->alias("remove");
  rm->add_option("NETWORK", flags->names, "Network")->required();
  rm->callback([&cli, flags] { cli.exit_code = Remove(cli, *flags); });
  AddPruneCommand(network, cli, PruneKind::kNetworks);
  CLI::App* inspect = network->add_subcommand("inspect", "Display detailed information on one or more networks");
  inspect->add_option("-f,--format", flags->format, "Format output using a template");
  inspect->add_option("NETWORK", flags->names, "Network")->required();
  inspect->callback([&cli, flags] { cli.exit_code = Inspect(cli, *flags); });
  CLI::App* connect = network->add_subcommand("connect", "Connect a container to a network");
  connect->add_option("--alias", flags->aliases, "Add network-scoped alias for the container");
  connect->add_option("NETWORK CONTAINER", flags->names, "Network and container")->required()->expected(2);
  connect->callback([&cli, flags] { cli.exit_code = Connect(cli, *flags); });
  CLI::App* disconnect = network->add_subcommand("disconnect", "Disconnect a container from a network");
  disconnect->add_flag("-f,--force", flags->force, "Force the container to disconnect from a network");
  disconnect->add_option("NETWORK CONTAINER", flags->names, "Network and container")->required()->expected(2);
  disconnect->callback([&cli, flags] { cli.exit_code = Disconnect(cli, *flags); });
}

}  // namespace berth::cli
