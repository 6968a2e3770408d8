#include "cli/completion.h"

#include <algorithm>
#include <cstdio>
#include <map>

#include "absl/strings/ascii.h"
#include "absl/strings/match.h"
#include "absl/strings/str_split.h"
#include "absl/strings/strip.h"
#include "cli/command_tree.h"

namespace berth::cli {
namespace {

struct RawFlag {
  std::string long_name;  // "--detach"
  std::string shorthand;  // "-d" or ""
  bool takes_value = false;
  std::string usage;
};

struct RawCommand {
  std::vector<RawFlag> flags;
  NameKind first_argument = NameKind::kNone;
};

std::map<const CLI::App*, RawCommand>& RawCommands() {
  static auto* commands = new std::map<const CLI::App*, RawCommand>();
  return *commands;
}

// docker's --help lines: "  -d, --detach   Usage" or "      --name string   Usage".
std::vector<RawFlag> ParseOptionsHelp(const std::string& help) {
  std::vector<RawFlag> flags;
  for (absl::string_view line : absl::StrSplit(help, '\n')) {
    absl::string_view trimmed = absl::StripLeadingAsciiWhitespace(line);
    if (!absl::StartsWith(trimmed, "-")) continue;
    size_t gap = trimmed.find("   ");
    absl::string_view left = trimmed.substr(0, gap);
    RawFlag flag;
    if (gap != absl::string_view::npos) {
      flag.usage = std::string(absl::StripLeadingAsciiWhitespace(trimmed.substr(gap)));
    }
    for (absl::string_view token : absl::StrSplit(left, ' ', absl::SkipEmpty())) {
      token = absl::StripSuffix(token, ",");
      if (absl::StartsWith(token, "--")) {
        flag.long_name = std::string(token);
      } else if (absl::StartsWith(token, "-")) {
        flag.shorthand = std::string(token);
      } else {
        flag.takes_value = true;  // The value's type: "string", "list".
      }
    }
    if (!flag.long_name.empty()) flags.push_back(flag);
  }
  return flags;
}

NameKind KindOfWord(std::string word) {
  word = absl::AsciiStrToLower(word);
  if (absl::StrContains(word, "container") || word == "objects") return NameKind::kContainers;
  if (absl::StrContains(word, "image")) return NameKind::kImages;
  if (absl::StrContains(word, "volume")) return NameKind::kVolumes;
  if (absl::StrContains(word, "network")) return NameKind::kNetworks;
  return NameKind::kNone;
}

// The kind of the index-th argument, from the positional's name
// ("NETWORK CONTAINER", "containers") or else its description
// ("CONTAINER [REPOSITORY[:TAG]]", "Volumes").
NameKind ArgumentKind(CLI::App* command, size_t index) {
  auto positionals = command->get_options([](const CLI::Option* option) { return option->get_positional(); });
  if (positionals.empty()) return NameKind::kNone;
  const CLI::Option* option = positionals.front();
  for (const std::string& text : {option->get_name(true), option->get_description()}) {
    std::vector<std::string> tokens = absl::StrSplit(text, ' ', absl::SkipEmpty());
    if (tokens.empty()) continue;
    NameKind kind = KindOfWord(tokens[std::min(index, tokens.size() - 1)]);
    if (kind != NameKind::kNone) return kind;
  }
  return NameKind::kNone;
}

// Values of flags that name daemon objects.
NameKind ValueKind(const std::string& flag) {
  static const std::map<std::string, NameKind> kKinds = {
      {"--network", NameKind::kNetworks}, {"--net", NameKind::kNetworks},
      {"--volumes-from", NameKind::kContainers}, {"--volume", NameKind::kVolumes},
      {"-v", NameKind::kVolumes}};
  auto it = kKinds.find(flag);
  return it == kKinds.end() ? NameKind::kNone : it->second;
}

Completion CompleteRaw(const RawCommand& raw, const std::vector<std::string>& args, const std::string& current) {
  Completion completion;
  auto find = [&](const std::string& word) -> const RawFlag* {
    for (const RawFlag& flag : raw.flags) {
      if (word == flag.long_name || word == flag.shorthand) return &flag;
      // Combined short flags: the last one decides ("-it", "-ite").
      if (word.size() > 2 && word[1] != '-' && !flag.shorthand.empty() && flag.shorthand[1] == word.back()) {
        return &flag;
      }
    }
    return nullptr;
  };
  size_t arguments = 0;
  for (size_t i = 0; i < args.size(); ++i) {
    const std::string& word = args[i];
    if (arguments > 0 || word.empty() || word[0] != '-') {
      ++arguments;
      continue;
    }
    const RawFlag* flag = find(word);
    if (flag == nullptr || !flag->takes_value || word.find('=') != std::string::npos) continue;
    if (i + 1 == args.size()) {
      completion.names = ValueKind(flag->long_name);  // The current word is its value.
      return completion;
    }
    ++i;
  }
  if (arguments > 0) return completion;  // The container's command: files.
  if (absl::StartsWith(current, "-")) {
    for (const RawFlag& flag : raw.flags) {
      completion.words.emplace_back(flag.long_name, flag.usage);
      if (!flag.shorthand.empty()) completion.words.emplace_back(flag.shorthand, flag.usage);
    }
    return completion;
  }
  completion.names = raw.first_argument;
  return completion;
}

}  // namespace

void DescribeRawCommand(CLI::App* command, const std::string& options_help, NameKind first_argument) {
  RawCommands()[command] = RawCommand{ParseOptionsHelp(options_help), first_argument};
}

Completion Complete(CLI::App& root, const std::vector<std::string>& words) {
  Completion completion;
  if (words.empty()) return completion;
  const std::string& current = words.back();
  std::vector<std::string> before(words.begin(), words.end() - 1);
  CommandWalk walk = WalkCommand(root, before);
  if (!walk.unknown.empty()) return completion;
  CLI::App* command = walk.command;
  if (command != &root && command->get_prefix_command()) {
    auto raw = RawCommands().find(command);
    if (raw == RawCommands().end()) return completion;
    return CompleteRaw(raw->second, walk.positionals, current);
  }
  if (walk.pending_option != nullptr) {
    for (const std::string& name : walk.pending_option->get_lnames()) {
      completion.names = ValueKind("--" + name);
      if (completion.names != NameKind::kNone) break;
    }
    return completion;
  }
  if (absl::StartsWith(current, "-")) {
    for (const CLI::Option* option : command->get_options()) {
      if (option->get_positional()) continue;
      for (const std::string& name : option->get_lnames()) {
        completion.words.emplace_back("--" + name, option->get_description());
      }
      for (const std::string& name : option->get_snames()) {
        completion.words.emplace_back("-" + name, option->get_description());
      }
    }
    return completion;
  }
  std::vector<CLI::App*> subcommands = Subcommands(command);
  if (!subcommands.empty() && walk.positionals.empty()) {
    for (CLI::App* sub : subcommands) {
      if (!sub->get_group().empty()) completion.words.emplace_back(sub->get_name(), sub->get_description());
    }
    return completion;
  }
  completion.names = ArgumentKind(command, walk.positionals.size());
  return completion;
}

std::string CompletionScript(const std::string& shell) {
  if (shell == "bash") {
    return R"(# bash completion for berth, made by `berth completion bash`.
_berth() {
  local cur=${COMP_WORDS[COMP_CWORD]} IFS=$'\n' line words=()
  while IFS= read -r line; do
    words+=("${line%%$'\t'*}")
  done < <("${COMP_WORDS[0]}" __complete "${COMP_WORDS[@]:1:COMP_CWORD}" 2>/dev/null)
  COMPREPLY=($(compgen -W "${words[*]}" -- "$cur"))
  # Image names carry a colon, which bash splits words at.
  if [[ $cur == *:* && $COMP_WORDBREAKS == *:* ]]; then
    local prefix=${cur%"${cur##*:}"} i
    for i in "${!COMPREPLY[@]}"; do COMPREPLY[i]=${COMPREPLY[i]#"$prefix"}; done
  fi
}
complete -o default -F _berth berth
)";
  }
  if (shell == "zsh") {
    return R"(#compdef berth
# zsh completion for berth, made by `berth completion zsh`.
_berth() {
  local -a lines candidates
  local line
  lines=("${(@f)$(${words[1]} __complete "${(@)words[2,CURRENT]}" 2>/dev/null)}")
  for line in "${lines[@]}"; do
    [[ -n $line ]] || continue
    # _describe wants word:description, with the word's colons escaped.
    candidates+=("${${line%%$'\t'*}//:/\\:}:${line#*$'\t'}")
  done
  if (( ${#candidates} )); then
    _describe -t berth 'berth' candidates
  else
    _files
  fi
}
if [[ ${funcstack[1]} == _berth ]]; then
  _berth "$@"
else
  compdef _berth berth
fi
)";
  }
  if (shell == "fish") {
    return R"(# fish completion for berth, made by `berth completion fish`.
function __berth_complete
    set -l tokens (commandline -opc)
    set -l current (commandline -ct)
    set -l out ($tokens[1] __complete $tokens[2..-1] $current 2>/dev/null)
    if test (count $out) -eq 0
        __fish_complete_path $current
    else
        printf '%s\n' $out
    end
end
complete -c berth -f -a '(__berth_complete)'
)";
  }
  return "";
}

void AddCompletionCommands(CLI::App& app, Cli& cli) {
  auto shell = std::make_shared<std::string>();
  CLI::App* completion = app.add_subcommand("completion", "Generate the autocompletion script for the specified shell");
  completion->add_option("SHELL", *shell, "bash, zsh or fish")->required();
  completion->callback([&cli, shell] {
    std::string script = CompletionScript(*shell);
    if (script.empty()) {
      std::fprintf(stderr, "berth: unsupported shell \"%s\": want bash, zsh or fish\n", shell->c_str());
      cli.exit_code = 125;
      return;
    }
    std::printf("%s", script.c_str());
  });
}

}  // namespace berth::cli
