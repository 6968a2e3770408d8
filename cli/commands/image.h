#ifndef BERTH_CLI_COMMANDS_IMAGE_H_
#define BERTH_CLI_COMMANDS_IMAGE_H_

// What the image commands share with the container commands: pulling with
// docker's progress (run pulls a missing image) and image inspect's JSON
// (the top-level inspect falls back to images).

#include <cstdio>
#include <string>

#include <grpcpp/support/status.h>

#include "cli/cli.h"
#include "nlohmann/json.hpp"

namespace berth::cli {

struct PullOptions {
  // os/arch[/variant]; empty for the daemon's platform.
  std::string platform;
  bool quiet = false;
  // Where progress goes: stdout for `pull`, stderr for `run`.
  FILE* out = stdout;
  // "Using default tag: latest" as `pull` prints it (run does not).
  bool announce_default_tag = true;
};

// Pulls ref, showing progress. Returns 0, or the exit code after printing
// why; when `failed` is given a failed call is stored there instead of
// printed (the exit code is then kExitDaemonError).
int PullImage(Cli& cli, const std::string& ref, const PullOptions& options,
              grpc::Status* failed = nullptr);

// `berth pull`: PullImage to stdout, then the full reference.
int Pull(Cli& cli, const std::string& ref, const std::string& platform, bool quiet);

// `image inspect`'s JSON for one image.
grpc::Status InspectImageJson(Cli& cli, const std::string& ref, nlohmann::json* out);

}  // namespace berth::cli

#endif  // BERTH_CLI_COMMANDS_IMAGE_H_
