// berth port CONTAINER [PRIVATE_PORT[/PROTO]]: the published ports, as docker's.

#include <cstdio>
#include <string>
#include <vector>

#include "absl/strings/str_cat.h"
#include "cli/commands/container_commands.h"
#include "cli/commands/container_common.h"
#include "cli/completion.h"
#include "cli/output.h"

namespace berth::cli {
namespace {

int Port(Cli& cli, const std::vector<std::string>& words, const std::string& command) {
  if (int rc = CheckArgCount(command, words.size(), 1, 2)) return rc;
  auto stub = ContainersStub(cli);
  if (!stub) return cli.exit_code;
  berth::tasks::v1::GetContainerRequest request;
  request.set_id(words[0]);
  berth::tasks::v1::Container container;
  auto context = Cli::CallContext();
  grpc::Status status = stub->Get(context.get(), request, &container);
  if (!status.ok()) return ReportCallError(status, cli.connection.host, cli.Channel().get());
  std::string wanted;
  if (words.size() == 2) {
    wanted = words[1].find('/') == std::string::npos ? words[1] + "/tcp" : words[1];
  }
  bool found = false;
  for (const auto& binding : container.network_settings().ports()) {
    std::string port = absl::StrCat(binding.container_port(), "/", binding.protocol());
    std::string host = binding.host_ip().empty() ? "0.0.0.0" : binding.host_ip();
    std::string address = absl::StrCat(host, ":", binding.host_port());
    if (wanted.empty()) {
      std::printf("%s -> %s\n", port.c_str(), address.c_str());
    } else if (port == wanted) {
      std::printf("%s\n", address.c_str());
      found = true;
    }
  }
  if (!wanted.empty() && !found) {
    std::fprintf(stderr, "Error: No public port '%s' published for %s\n", wanted.c_str(),
                 words[0].c_str());
    return 1;
  }
  return 0;
}

}  // namespace

void AddPortCommand(CLI::App* parent, Cli& cli, const std::string& prefix) {
  CLI::App* port = parent->add_subcommand("port", "List port mappings or a specific mapping for the container");
  port->fallthrough(false);
  port->prefix_command();
  port->allow_extras();
  DescribeRawCommand(port, "", NameKind::kContainers);
  std::string command = prefix + " port";
  port->callback([&cli, port, command] { cli.exit_code = Port(cli, port->remaining(), command); });
}

}  // namespace berth::cli
