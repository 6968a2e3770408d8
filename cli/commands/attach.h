#ifndef BERTH_CLI_COMMANDS_ATTACH_H_
#define BERTH_CLI_COMMANDS_ATTACH_H_

// Tasks.Attach as `run` (without -d) and `start -a` use it: the process's
// stdout and stderr to ours, our stdin to it with -i (the terminal in raw
// mode with -t), window size changes, and signals proxied to the container
// as docker's --sig-proxy does.

#include <string>

#include <grpcpp/support/status.h>

#include "cli/cli.h"

namespace berth::cli {

struct AttachOptions {
  std::string id;
  // An exec of the container instead of its main process.
  std::string exec_id;
  bool stdin = false;
  bool tty = false;
  // Start the process once attached (run, start -a).
  bool start = false;
  bool sig_proxy = true;
  std::string detach_keys;
};

struct AttachResult {
  // The call's status; not OK when it failed (a failed start included).
  grpc::Status status;
  bool exited = false;
  int exit_code = 0;
  bool detached = false;
};

AttachResult AttachContainer(Cli& cli, const AttachOptions& options);

}  // namespace berth::cli

#endif  // BERTH_CLI_COMMANDS_ATTACH_H_
