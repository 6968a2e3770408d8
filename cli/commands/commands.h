#ifndef BERTH_CLI_COMMANDS_COMMANDS_H_
#define BERTH_CLI_COMMANDS_COMMANDS_H_

#include "CLI/CLI.hpp"
#include "cli/cli.h"

namespace berth::cli {

// `berth version` and `berth info`.
void AddSystemCommands(CLI::App& app, Cli& cli);
// `berth pull|images|rmi|tag` and `berth image ...`.
void AddImageCommands(CLI::App& app, Cli& cli);
// `berth system df`.
void AddSystemDfCommand(CLI::App& app, Cli& cli);
// `berth login|logout`.
void AddLoginCommands(CLI::App& app, Cli& cli);
// `berth volume create|ls|inspect|rm|prune`.
void AddVolumeCommands(CLI::App& app, Cli& cli);
// `berth network ls|inspect`.
void AddNetworkCommands(CLI::App& app, Cli& cli);
// `berth run|create|start|stop|kill|restart|rm|pause|unpause|wait|rename|
// update|ps|inspect|stats|top|logs|events` and `berth container ...`.
void AddContainerCommands(CLI::App& app, Cli& cli);

}  // namespace berth::cli

#endif  // BERTH_CLI_COMMANDS_COMMANDS_H_
