#ifndef BERTH_CLI_COMPLETION_H_
#define BERTH_CLI_COMPLETION_H_

// Shell completion from the CLI's own command tree, as cobra does it:
// `berth completion bash|zsh|fish` prints a small script that calls the
// hidden `berth __complete WORDS... CURRENT`, which walks the CLI11 tree
// (cli/command_tree.h) and prints one candidate a line ("word<TAB>what it
// is"): subcommands, flags, and container, image, volume and network names
// asked from berthd. A new command or flag is completed without any change
// here; the kind of name an argument takes is read from its positional's
// name ("NETWORK CONTAINER", "containers", "images").

#include <string>
#include <vector>

#include "CLI/CLI.hpp"
#include "cli/cli.h"

namespace berth::cli {

enum class NameKind { kNone, kContainers, kImages, kVolumes, kNetworks };

// What to offer for the current word: fixed words (with descriptions) and
// the kind of daemon object names to add.
struct Completion {
  std::vector<std::pair<std::string, std::string>> words;
  NameKind names = NameKind::kNone;
};

// For a command that parses its own words (run, create, exec, port): its
// flags as its --help's "Options:" lists them, and what its first argument
// names. Completion reads them instead of CLI11 options.
void DescribeRawCommand(CLI::App* command, const std::string& options_help, NameKind first_argument);

// The candidates for the last of `words` (the words after "berth", the
// last being the one under the cursor, possibly empty). Pure: no daemon.
Completion Complete(CLI::App& root, const std::vector<std::string>& words);

// `berth __complete WORDS...`: prints the candidates that start with the
// last word, names from the daemon included. Returns the exit code.
int RunComplete(CLI::App& root, Cli& cli, const std::vector<std::string>& words);

// The script for `berth completion SHELL` ("bash", "zsh" or "fish"); empty
// for another shell.
std::string CompletionScript(const std::string& shell);

// `berth completion bash|zsh|fish`.
void AddCompletionCommands(CLI::App& app, Cli& cli);

}  // namespace berth::cli

#endif  // BERTH_CLI_COMPLETION_H_
