#ifndef BERTH_CLI_COMMANDS_CONTAINER_COMMANDS_H_
#define BERTH_CLI_COMMANDS_CONTAINER_COMMANDS_H_

// The container commands, each file adding its own to a parent: the
// top-level app (prefix "berth") or `berth container` (prefix "berth
// container"), the prefix naming the command in docker's messages.

#include <string>

#include "CLI/CLI.hpp"
#include "cli/cli.h"

namespace berth::cli {

// run, create (run.cc).
void AddRunCommands(CLI::App* parent, Cli& cli, const std::string& prefix);
// start, stop, kill, restart, rm, pause, unpause, wait, rename, update
// (container_lifecycle.cc).
void AddLifecycleCommands(CLI::App* parent, Cli& cli, const std::string& prefix);
// ps under `name` (ps.cc): "ps" at the top, "ls" (aliases ps, list) under container.
CLI::App* AddPsCommand(CLI::App* parent, Cli& cli, const std::string& name, const std::string& prefix);
// inspect (container_inspect.cc): containers, then images at the top level
// (any_type); containers only under `berth container`.
void AddInspectCommand(CLI::App* parent, Cli& cli, bool any_type);
// stats (stats.cc), top (top.cc), logs (logs.cc), events (events.cc).
void AddStatsCommand(CLI::App* parent, Cli& cli);
void AddTopCommand(CLI::App* parent, Cli& cli, const std::string& prefix);
// berth port.
void AddPortCommand(CLI::App* parent, Cli& cli, const std::string& prefix);
// `berth pods`: the CRI's pods (pods.cc).
void AddPodsCommand(CLI::App* parent, Cli& cli);
// berth diff (diff.cc).
void AddDiffCommand(CLI::App* parent, Cli& cli, const std::string& prefix);
void AddLogsCommand(CLI::App* parent, Cli& cli, const std::string& prefix);
void AddEventsCommand(CLI::App* parent, Cli& cli);
// exec, attach (exec.cc).
void AddExecCommands(CLI::App* parent, Cli& cli, const std::string& prefix);
// cp (cp.cc), export (export.cc), commit (commit.cc).
void AddCpCommand(CLI::App* parent, Cli& cli, const std::string& prefix);
void AddExportCommand(CLI::App* parent, Cli& cli, const std::string& prefix);
void AddCommitCommand(CLI::App* parent, Cli& cli, const std::string& prefix);

}  // namespace berth::cli

#endif  // BERTH_CLI_COMMANDS_CONTAINER_COMMANDS_H_
