#ifndef BERTH_CLI_COMMAND_ERRORS_H_
#define BERTH_CLI_COMMAND_ERRORS_H_

// docker's answers to command words that name no command: "berth: 'compose'
// is not a berth command.", "berth: unknown command: berth network bogus",
// a group's usage for `berth network` alone, and "accepts no arguments".

#include <string>
#include <vector>

#include "CLI/CLI.hpp"

namespace berth::cli {

// Checks the words after the program name against the command tree. Prints
// docker's message and returns the exit code when they name no command (or
// a group alone, whose usage is printed with exit code 0); -1 otherwise.
int CheckCommandWords(CLI::App& root, const std::vector<std::string>& words);

// docker's usage of a group: "Usage:  berth network COMMAND", its
// description and its commands.
std::string GroupUsage(CLI::App* group, const std::string& name);

}  // namespace berth::cli

#endif  // BERTH_CLI_COMMAND_ERRORS_H_
