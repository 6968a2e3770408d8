#ifndef BERTH_CLI_COMMANDS_EXEC_FLAGS_H_
#define BERTH_CLI_COMMANDS_EXEC_FLAGS_H_

// `berth exec` flags, parsed as pflag does with interspersed flags off:
// flags until CONTAINER, everything after it is the command (its own -x
// flags included); short flags combine (-it, -eKEY=V).

#include <optional>
#include <string>
#include <vector>

namespace berth::cli {

struct ExecFlags {
  bool interactive = false, tty = false, detach = false, privileged = false, help = false;
  std::string workdir, user, detach_keys;
  std::vector<std::string> env, env_files;
  // CONTAINER COMMAND [ARG...].
  std::vector<std::string> args;
};

// pflag's error text ("unknown flag: --x") or nullopt.
std::optional<std::string> ParseExecArgs(const std::vector<std::string>& words, ExecFlags* flags);

}  // namespace berth::cli

#endif  // BERTH_CLI_COMMANDS_EXEC_FLAGS_H_
