// Registers the container commands: docker's top-level ones and `berth
// container ...`.

#include "cli/commands/container_commands.h"

#include "cli/commands/commands.h"
#include "cli/commands/prune.h"

namespace berth::cli {

void AddContainerCommands(CLI::App& app, Cli& cli) {
  AddRunCommands(&app, cli, "berth");
  AddLifecycleCommands(&app, cli, "berth");
  AddPsCommand(&app, cli, "ps", "berth");
  AddInspectCommand(&app, cli, /*any_type=*/true);
  AddStatsCommand(&app, cli);
  AddTopCommand(&app, cli, "berth");
  AddPortCommand(&app, cli, "berth");
  AddPodsCommand(&app, cli);
  AddDiffCommand(&app, cli, "berth");
  AddLogsCommand(&app, cli, "berth");
  AddEventsCommand(&app, cli);
  AddExecCommands(&app, cli, "berth");
  AddCpCommand(&app, cli, "berth");
  AddExportCommand(&app, cli, "berth");
  AddCommitCommand(&app, cli, "berth");

  CLI::App* container = app.add_subcommand("container", "Manage containers");
  container->require_subcommand(1);
  AddRunCommands(container, cli, "berth container");
  AddLifecycleCommands(container, cli, "berth container");
  AddPsCommand(container, cli, "ls", "berth container")->alias("ps")->alias("list");
  AddInspectCommand(container, cli, /*any_type=*/false);
  AddStatsCommand(container, cli);
  AddTopCommand(container, cli, "berth container");
  AddPortCommand(container, cli, "berth container");
  AddDiffCommand(container, cli, "berth container");
  AddLogsCommand(container, cli, "berth container");
  AddPruneCommand(container, cli, PruneKind::kContainers);
  AddExecCommands(container, cli, "berth container");
  AddCpCommand(container, cli, "berth container");
  AddExportCommand(container, cli, "berth container");
  AddCommitCommand(container, cli, "berth container");
}

}  // namespace berth::cli
