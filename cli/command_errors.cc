#include "cli/command_errors.h"

#include <algorithm>
#include <cstdio>

#include "absl/strings/str_format.h"
#include "cli/command_tree.h"
#include "cli/output.h"

namespace berth::cli {

std::string GroupUsage(CLI::App* group, const std::string& name) {
  std::vector<CLI::App*> commands;
  for (CLI::App* sub : Subcommands(group)) {
    if (!sub->get_group().empty()) commands.push_back(sub);  // Hidden ones have no group.
  }
  std::sort(commands.begin(), commands.end(),
            [](CLI::App* a, CLI::App* b) { return a->get_name() < b->get_name(); });
  size_t width = 11;
  for (CLI::App* sub : commands) width = std::max(width, sub->get_name().size());
  std::string text = absl::StrFormat("Usage:  %s COMMAND\n\n%s\n\nCommands:\n", name, group->get_description());
  for (CLI::App* sub : commands) {
    absl::StrAppendFormat(&text, "  %-*s %s\n", static_cast<int>(width), sub->get_name(), sub->get_description());
  }
  absl::StrAppendFormat(&text, "\nRun '%s COMMAND --help' for more information on a command.\n", name);
  return text;
}

int CheckCommandWords(CLI::App& root, const std::vector<std::string>& words) {
  CommandWalk walk = WalkCommand(root, words);
  std::string name = CommandName(walk);
  if (!walk.unknown.empty()) {
    if (walk.command == &root) {
      std::fprintf(stderr, "berth: '%s' is not a berth command.\nSee 'berth --help'\n", walk.unknown.c_str());
    } else {
      std::fprintf(stderr,
                   "berth: unknown command: %s %s\n\nUsage:  %s\n\nRun '%s --help' for more information\n",
                   name.c_str(), walk.unknown.c_str(), name.c_str(), name.c_str());
    }
    return kExitUsage;
  }
  CLI::App* command = walk.command;
  if (command == &root) return -1;
  // `berth network` alone: the group's usage, as docker prints it.
  if (IsGroup(command) && !words.empty() && words.back() == walk.path.back()) {
    std::printf("%s", GroupUsage(command, name).c_str());
    return 0;
  }
  bool takes_arguments = command->get_prefix_command() || command->get_allow_extras() ||
                         !command->get_options([](const CLI::Option* o) { return o->get_positional(); }).empty();
  if (!walk.positionals.empty() && !takes_arguments && Subcommands(command).empty()) {
    std::fprintf(stderr, "\"%s\" accepts no arguments.\nSee '%s --help'.\n\nUsage:  %s [OPTIONS]\n\n%s\n",
                 name.c_str(), name.c_str(), name.c_str(), command->get_description().c_str());
    return kExitDaemonError;
  }
  return -1;
}

}  // namespace berth::cli
