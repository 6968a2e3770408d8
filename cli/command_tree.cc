#include "cli/command_tree.h"

namespace berth::cli {

std::vector<CLI::App*> Subcommands(CLI::App* app) {
  return app->get_subcommands([](CLI::App* sub) { return !sub->get_name().empty(); });
}

bool IsGroup(CLI::App* app) {
  return app->get_require_subcommand_min() > 0 && !Subcommands(app).empty();
}

const CLI::Option* FindOption(CLI::App* app, const std::string& name) {
  for (CLI::App* at = app; at != nullptr; at = at->get_parent()) {
    if (const CLI::Option* option = at->get_option_no_throw(name)) return option;
    // A command that does not fall through does not see its parents' options.
    if (!at->get_fallthrough()) break;
  }
  return nullptr;
}

bool TakesValue(const CLI::Option* option) {
  // CLI11 flags expect no items (their type size may still be 1).
  return option != nullptr && option->get_expected_max() > 0 && option->get_type_size_max() > 0;
}

std::string CommandName(const CommandWalk& walk) {
  std::string name = "berth";
  for (const std::string& part : walk.path) name += " " + part;
  return name;
}

namespace {

CLI::App* FindSubcommand(CLI::App* app, const std::string& word) {
  for (CLI::App* sub : Subcommands(app)) {
    if (sub->check_name(word)) return sub;
  }
  return nullptr;
}

bool HasPositionals(CLI::App* app) {
  return !app->get_options([](const CLI::Option* option) { return option->get_positional(); }).empty();
}

// Whether an option word also swallows the next word: "--name x", "-e x"
// and "-ite x" (the last of combined short flags takes the value).
bool ConsumesNext(CLI::App* app, const std::string& word, const CLI::Option** option) {
  if (word.find('=') != std::string::npos) return false;
  if (word.rfind("--", 0) == 0) {
    *option = FindOption(app, word);
  } else {
    *option = FindOption(app, std::string("-") + word.back());
  }
  return TakesValue(*option);
}

}  // namespace

CommandWalk WalkCommand(CLI::App& root, const std::vector<std::string>& words) {
  CommandWalk walk;
  walk.command = &root;
  bool options_done = false;
  for (size_t i = 0; i < words.size(); ++i) {
    const std::string& word = words[i];
    CLI::App* app = walk.command;
    walk.pending_option = nullptr;
    // run, exec and port parse their own words: they are all arguments.
    if (app != &root && app->get_prefix_command()) {
      walk.positionals.push_back(word);
      continue;
    }
    if (!options_done && word == "--") {
      options_done = true;
      continue;
    }
    if (!options_done && word.size() > 1 && word[0] == '-') {
      const CLI::Option* option = nullptr;
      if (ConsumesNext(app, word, &option)) {
        if (i + 1 < words.size()) {
          ++i;
        } else {
          walk.pending_option = option;
        }
      }
      continue;
    }
    if (walk.positionals.empty()) {
      if (CLI::App* sub = FindSubcommand(app, word)) {
        walk.command = sub;
        walk.path.push_back(word);
        continue;
      }
      if (!Subcommands(app).empty() && !HasPositionals(app) && !app->get_prefix_command()) {
        walk.unknown = word;
        return walk;
      }
    }
    walk.positionals.push_back(word);
  }
  return walk;
}

}  // namespace berth::cli
