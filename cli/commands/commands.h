#ifndef BERTH_CLI_COMMANDS_COMMANDS_H_
#define BERTH_CLI_COMMANDS_COMMANDS_H_

#include "CLI/CLI.hpp"
#include "cli/cli.h"

namespace berth::cli {

// `berth version`, `berth info` and `berth system info|df|events|prune`.
void AddSystemCommands(CLI::App& app, Cli& cli);
// `berth pull|images|rmi|tag` and `berth image ...`.
void AddImageCommands(CLI::App& app, Cli& cli);
// `berth system df` (system_df.cc).
void AddSystemDfCommand(CLI::App* system, Cli& cli);
// `berth login|logout`.
void AddLoginCommands(CLI::App& app, Cli& cli);
// `berth volume create|ls|inspect|rm|prune`.
void AddVolumeCommands(CLI::App& app, Cli& cli);
// `berth network create|ls|inspect|rm|prune|connect|disconnect`.
void AddNetworkCommands(CLI::App& app, Cli& cli);
// `berth run|create|start|stop|kill|restart|rm|pause|unpause|wait|rename|
// update|ps|inspect|stats|top|logs|events` and `berth container ...`.
void AddContainerCommands(CLI::App& app, Cli& cli);

// build, image build, builder build/prune (after AddImageCommands).
void AddBuildCommands(CLI::App& app, Cli& cli);

}  // namespace berth::cli

#endif  // BERTH_CLI_COMMANDS_COMMANDS_H_
