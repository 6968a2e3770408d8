#include "cli/commands/archive_output.h"

#include <unistd.h>

#include <cstdio>

#include "cli/output.h"

namespace berth::cli {

int WriteArchive(Cli& cli, const std::string& output, const std::string& what,
                 const std::function<std::unique_ptr<ChunkReader>(grpc::ClientContext*)>& open) {
  if (output.empty() && ::isatty(STDOUT_FILENO)) {
    std::fprintf(stderr, "cowardly refusing to save to a terminal. Use the -o flag or redirect\n");
    return kExitDaemonError;
  }
  if (!cli.Channel()) return cli.exit_code;
  std::string temp = output.empty() ? "" : output + ".tmp";
  FILE* out = output.empty() ? stdout : std::fopen(temp.c_str(), "wb");
  if (out == nullptr) {
    std::fprintf(stderr, "failed to %s: cannot open %s\n", what.c_str(), output.c_str());
    return kExitDaemonError;
  }
  auto context = Cli::CallContext(/*stream=*/true);
  std::unique_ptr<ChunkReader> reader = open(context.get());
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
    std::fprintf(stderr, "failed to %s: write error\n", what.c_str());
    return kExitDaemonError;
  }
  return 0;
}

}  // namespace berth::cli
