#ifndef BERTH_CLI_COMMAND_TREE_H_
#define BERTH_CLI_COMMAND_TREE_H_

// Reading a command line against the CLI11 command tree without running
// anything: which command it names, which word names none, what follows.
// main() uses it for docker's unknown-command errors and `berth
// __complete` for shell completion, so both follow the tree as it grows.

#include <string>
#include <vector>

#include "CLI/CLI.hpp"

namespace berth::cli {

struct CommandWalk {
  // The deepest command the words name (the root when they name none).
  CLI::App* command = nullptr;
  // Its names from the root down, as typed: {"network", "ls"}.
  std::vector<std::string> path;
  // A word where a subcommand was needed that names none ("compose" in
  // `berth compose`); empty when every command word was known.
  std::string unknown;
  // The words after the command that are neither options nor their values.
  std::vector<std::string> positionals;
  // The option whose value the last word would be (`--network` in `berth
  // run --network`), or nullptr.
  const CLI::Option* pending_option = nullptr;
};

// Walks `words` (the arguments after the program name). Options are looked
// up in the command and its parents, as CLI11's fallthrough does; a
// command that takes its words raw (run, exec) keeps them all as
// positionals.
CommandWalk WalkCommand(CLI::App& root, const std::vector<std::string>& words);

// The named subcommands of `app` (CLI11's nameless option groups left out).
std::vector<CLI::App*> Subcommands(CLI::App* app);

// A group: a command that only holds subcommands (`berth network`).
bool IsGroup(CLI::App* app);

// `option` (or one of the command's parents' options with that name);
// nullptr when none. `name` is "-x" or "--long".
const CLI::Option* FindOption(CLI::App* app, const std::string& name);

// Whether the option reads a value ("--name NAME") rather than being a flag.
bool TakesValue(const CLI::Option* option);

// "berth network ls".
std::string CommandName(const CommandWalk& walk);

}  // namespace berth::cli

#endif  // BERTH_CLI_COMMAND_TREE_H_
