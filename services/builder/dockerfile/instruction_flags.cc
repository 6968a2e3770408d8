#include "services/builder/dockerfile/instruction_flags.h"

#include <set>

#include "absl/strings/ascii.h"
#include "absl/strings/str_cat.h"

namespace berth::builder {
namespace {

enum class FlagType { kString, kStrings, kBool };

struct FlagSpec {
  const char* name;
  FlagType type;
};

// BuildKit's instructions package: the flags each instruction registers.
std::vector<FlagSpec> FlagsOf(const std::string& keyword) {
  if (keyword == "FROM") return {{"platform", FlagType::kString}};
  if (keyword == "RUN") {
    return {{"mount", FlagType::kStrings},
            {"network", FlagType::kString},
            {"security", FlagType::kString}};
  }
  if (keyword == "COPY") {
    return {{"from", FlagType::kString},  {"chown", FlagType::kString},
            {"chmod", FlagType::kString}, {"link", FlagType::kBool},
            {"parents", FlagType::kBool}, {"exclude", FlagType::kStrings}};
  }
  if (keyword == "ADD") {
    return {{"chown", FlagType::kString},    {"chmod", FlagType::kString},
            {"link", FlagType::kBool},       {"keep-git-dir", FlagType::kBool},
            {"checksum", FlagType::kString}, {"exclude", FlagType::kStrings}};
  }
  if (keyword == "HEALTHCHECK") {
    return {{"interval", FlagType::kString},
            {"timeout", FlagType::kString},
            {"start-period", FlagType::kString},
            {"start-interval", FlagType::kString},
            {"retries", FlagType::kString}};
  }
  return {};
}

}  // namespace

absl::StatusOr<std::vector<std::pair<std::string, std::string>>> ParseFlags(
    const std::string& keyword, const std::vector<std::string>& words) {
  std::vector<FlagSpec> specs = FlagsOf(keyword);
  std::vector<std::pair<std::string, std::string>> flags;
  std::set<std::string> used;
  for (const std::string& word : words) {
    if (word.rfind("--", 0) != 0) {
      return absl::InvalidArgumentError(
          absl::StrCat("arg should start with -- : ", word));
    }
    if (word == "--") break;
    std::string name = word.substr(2);
    std::string value;
    size_t equals = name.find('=');
    bool has_value = equals != std::string::npos;
    if (has_value) {
      value = name.substr(equals + 1);
      name.resize(equals);
    }
    const FlagSpec* spec = nullptr;
    for (const FlagSpec& candidate : specs) {
      if (name == candidate.name) spec = &candidate;
    }
    if (spec == nullptr) {
      return absl::InvalidArgumentError(absl::StrCat("unknown flag: ", name));
    }
    if (!used.insert(name).second && spec->type != FlagType::kStrings) {
      return absl::InvalidArgumentError(
          absl::StrCat("duplicate flag specified: ", name));
    }
    if (spec->type == FlagType::kBool) {
      if (has_value && value.empty()) {
        return absl::InvalidArgumentError(
            absl::StrCat("missing a value on flag: ", name));
      }
      std::string lower = absl::AsciiStrToLower(value);
      if (lower.empty()) lower = "true";
      if (lower != "true" && lower != "false") {
        return absl::InvalidArgumentError(absl::StrCat(
            "expecting boolean value for flag ", name, ", not: ", value));
      }
      value = lower;
    } else if (!has_value) {
      return absl::InvalidArgumentError(
          absl::StrCat("missing a value on flag: ", name));
    }
    flags.emplace_back(name, value);
  }
  return flags;
}

absl::Status CheckClassicBuilderFlags(const Instruction& instruction) {
  static const std::set<std::string> kBuildKitOnly = {
      "mount",   "network", "security", "link",
      "parents", "exclude", "checksum", "keep-git-dir"};
  for (const auto& [name, value] : instruction.flags) {
    if (kBuildKitOnly.count(name) != 0) {
      return absl::InvalidArgumentError(absl::StrCat(
          "the --", name,
          " option requires BuildKit. Refer to "
          "https://docs.docker.com/go/buildkit/ to learn how to build images "
          "with BuildKit enabled"));
    }
  }
  return absl::OkStatus();
}

}  // namespace berth::builder
