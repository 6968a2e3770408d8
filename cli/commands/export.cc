// berth export CONTAINER: the container's root filesystem as a tar, to
// stdout or -o FILE (written to a temporary name, renamed when complete).

#include <unistd.h>

#include <cstdio>
#include <memory>
#include <string>

#include "cli/commands/container_commands.h"
#include "cli/commands/container_common.h"
#include "cli/output.h"

namespace berth::cli {
namespace {

int Export(Cli& cli, const std::string& container, const std::string& output) {
  if (output.empty() && ::isatty(STDOUT_FILENO)) {
    std::fprintf(stderr, "cowardly refusing to save to a terminal. Use the -o flag or redirect\n");
    return kExitDaemonError;
  }
  auto stub = ContainersStub(cli);
  if (!stub) return cli.exit_code;
  std::string temp = output.empty() ? "" : output + ".tmp";
  FILE* out = output.empty() ? stdout : std::fopen(temp.c_str(), "wb");
  if (out == nullptr) {
    std::fprintf(stderr, "failed to export container: cannot open %s\n", output.c_str());
    return kExitDaemonError;
  }
  berth::tasks::v1::ExportContainerRequest request;
  request.set_id(container);
  auto context = Cli::CallContext(/*stream=*/true);
  auto reader = stub->Export(context.get(), request);
  berth::types::v1::DataChunk chunk;
  bool write_ok = true;
  while (reader->Read(&chunk)) {
    write_ok &= std::fwrite(chunk.data().data(), 1, chunk.data().size(), out) == chunk.data().size();
  }
  grpc::Status status = reader->Finish();
  if (!output.empty()) {
    write_ok &= std::fclose(out) == 0;
    if (!status.ok() || !write_ok || std::rename(temp.c_str(), output.c_str()) != 0) {
      std::remove(temp.c_str());
    }
  } else {
    std::fflush(stdout);
  }
  if (!status.ok()) return ReportCallError(status, cli.connection.host, cli.Channel().get());
  if (!write_ok) {
    std::fprintf(stderr, "failed to export container: write error\n");
    return kExitDaemonError;
  }
  return 0;
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
