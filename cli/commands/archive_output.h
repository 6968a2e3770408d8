#ifndef BERTH_CLI_COMMANDS_ARCHIVE_OUTPUT_H_
#define BERTH_CLI_COMMANDS_ARCHIVE_OUTPUT_H_

// Where `berth save` and `berth export` put the tar the daemon streams:
// stdout (never a terminal, as docker refuses), or -o FILE written under
// FILE.tmp and renamed once complete, so a failed transfer leaves nothing.

#include <functional>
#include <memory>
#include <string>

#include <grpcpp/client_context.h>
#include <grpcpp/support/sync_stream.h>

#include "berth/types/v1/types.pb.h"
#include "cli/cli.h"

namespace berth::cli {

using ChunkReader = grpc::ClientReaderInterface<berth::types::v1::DataChunk>;

// `open` starts the call; `what` names it in errors ("save image").
// Returns the exit code.
int WriteArchive(Cli& cli, const std::string& output, const std::string& what,
                 const std::function<std::unique_ptr<ChunkReader>(grpc::ClientContext*)>& open);

}  // namespace berth::cli

#endif  // BERTH_CLI_COMMANDS_ARCHIVE_OUTPUT_H_
