// berth export CONTAINER: the container's root filesystem as a tar, to
// stdout or -o FILE (written to a temporary name, renamed when complete).

#include <cstdio>
#include <memory>
#include <string>

#include "cli/commands/archive_output.h"
#include "cli/commands/container_commands.h"
#include "cli/commands/container_common.h"
#include "cli/output.h"

namespace berth::cli {
namespace {

int Export(Cli& cli, const std::string& container, const std::string& output) {
  auto stub = ContainersStub(cli);
  if (!stub) return cli.exit_code;
  berth::tasks::v1::ExportContainerRequest request;
  request.set_id(container);
  return WriteArchive(cli, output, "export container", [&](grpc::ClientContext* context) {
    return std::unique_ptr<ChunkReader>(stub->Export(context, request));
  });
}

}  // namespace

void AddExportCommand(CLI::App* parent, Cli& cli, const std::string& prefix) {
  auto output = std::make_shared<std::string>();
  auto args = std::make_shared<std::vector<std::string>>();
  CLI::App* command = parent->add_subcommand(
      "export", "Export a container's filesystem as a tar archive");
  command->add_option("-o,--output", *output, "Write to a file, instead of STDOUT");
  command->add_option("container", *args, "Container");
  std::string name = prefix + " export";
  command->callback([&cli, output, args, name] {
    if (int rc = CheckArgCount(name, args->size(), 1, 1)) {
      cli.exit_code = rc;
      return;
    }
    cli.exit_code = Export(cli, (*args)[0], *output);
  });
}

}  // namespace berth::cli
