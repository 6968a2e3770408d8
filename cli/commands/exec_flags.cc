#include "cli/commands/exec_flags.h"

#include "absl/strings/match.h"
#include "absl/strings/str_cat.h"

namespace berth::cli {
namespace {

struct Flag {
  char shorthand;  // 0 for none
  const char* name;
  bool* boolean;
  std::string* value;
  std::vector<std::string>* values;
};

std::vector<Flag> Flags(ExecFlags* f) {
  return {{'i', "interactive", &f->interactive, nullptr, nullptr},
          {'t', "tty", &f->tty, nullptr, nullptr},
          {'d', "detach", &f->detach, nullptr, nullptr},
          {0, "privileged", &f->privileged, nullptr, nullptr},
          {'h', "help", &f->help, nullptr, nullptr},
          {'w', "workdir", nullptr, &f->workdir, nullptr},
          {'u', "user", nullptr, &f->user, nullptr},
          {0, "detach-keys", nullptr, &f->detach_keys, nullptr},
          {'e', "env", nullptr, nullptr, &f->env},
          {0, "env-file", nullptr, nullptr, &f->env_files}};
}

void Set(const Flag& flag, const std::string& value) {
  if (flag.value != nullptr) *flag.value = value;
  if (flag.values != nullptr) flag.values->push_back(value);
}

}  // namespace

std::optional<std::string> ParseExecArgs(const std::vector<std::string>& words, ExecFlags* flags) {
  std::vector<Flag> table = Flags(flags);
  size_t i = 0;
  for (; i < words.size(); ++i) {
    const std::string& word = words[i];
    if (word == "--") {
      ++i;
      break;
    }
    if (word.size() < 2 || word[0] != '-') break;
    if (absl::StartsWith(word, "--")) {
      std::string name = word.substr(2);
      std::optional<std::string> inline_value;
      if (size_t eq = name.find('='); eq != std::string::npos) {
        inline_value = name.substr(eq + 1);
        name = name.substr(0, eq);
      }
      const Flag* flag = nullptr;
      for (const Flag& candidate : table) {
        if (name == candidate.name) flag = &candidate;
      }
      if (flag == nullptr) return "unknown flag: --" + name;
      if (flag->boolean != nullptr) {
        bool value = true;
        if (inline_value) {
          if (*inline_value == "false") {
            value = false;
          } else if (*inline_value != "true") {
            return absl::StrCat("invalid argument \"", *inline_value, "\" for \"--", name,
                                "\" flag: strconv.ParseBool: parsing \"", *inline_value,
                                "\": invalid syntax");
          }
        }
        *flag->boolean = value;
      } else if (inline_value) {
        Set(*flag, *inline_value);
      } else if (i + 1 < words.size()) {
        Set(*flag, words[++i]);
      } else {
        return "flag needs an argument: --" + name;
      }
      continue;
    }
    // A cluster of shorthands; a value flag takes the rest of the word or
    // the next word.
    for (size_t k = 1; k < word.size(); ++k) {
      const Flag* flag = nullptr;
      for (const Flag& candidate : table) {
        if (candidate.shorthand != 0 && candidate.shorthand == word[k]) flag = &candidate;
      }
      if (flag == nullptr) {
        return absl::StrCat("unknown shorthand flag: '", std::string(1, word[k]), "' in ", word);
      }
      if (flag->boolean != nullptr) {
        *flag->boolean = true;
        continue;
      }
      std::string rest = word.substr(k + 1);
      if (!rest.empty()) {
        Set(*flag, absl::StartsWith(rest, "=") ? rest.substr(1) : rest);
      } else if (i + 1 < words.size()) {
        Set(*flag, words[++i]);
      } else {
        return absl::StrCat("flag needs an argument: '", std::string(1, word[k]), "' in -",
                            std::string(1, word[k]));
      }
      break;
    }
  }
  flags->args.assign(words.begin() + static_cast<std::ptrdiff_t>(i), words.end());
  return std::nullopt;
}

}  // namespace berth::cli
