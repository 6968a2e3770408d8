#ifndef BERTH_CLI_COMMANDS_PRUNE_H_
#define BERTH_CLI_COMMANDS_PRUNE_H_

// docker's prune commands: `container|image|network|volume prune` and
// `system prune`, which runs the others after one confirmation.

#include "CLI/CLI.hpp"
#include "cli/cli.h"

namespace berth::cli {

enum class PruneKind { kContainers, kImages, kNetworks, kVolumes };

// `PARENT prune` for one kind of object, with docker's flags, prompt and
// summary ("Deleted Containers:", "Total reclaimed space: 1.2MB").
void AddPruneCommand(CLI::App* parent, Cli& cli, PruneKind kind);

// `system prune [-a] [--volumes] [-f] [--filter]`.
void AddSystemPruneCommand(CLI::App* system, Cli& cli);

}  // namespace berth::cli

#endif  // BERTH_CLI_COMMANDS_PRUNE_H_
