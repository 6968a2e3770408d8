#include "services/builder/dispatch/build_args.h"

#include <algorithm>
#include <utility>

#include "absl/status/statusor.h"
#include "absl/strings/str_cat.h"
#include "absl/strings/str_join.h"
#include "services/builder/dockerfile/shell_word.h"
#include "services/builder/dockerfile/stages.h"

namespace berth::builder {

bool IsBuiltinBuildArg(const std::string& key) {
  const std::vector<std::string>& builtin = PredefinedProxyArgs();
  return std::find(builtin.begin(), builtin.end(), key) != builtin.end();
}

BuildArgs::BuildArgs(Values from_options)
    : from_options_(std::move(from_options)) {}

absl::Status BuildArgs::AddMetaArgs(const Instruction& arg, char escape) {
  // The whole instruction is expanded first, as docker's Expand does:
  // `ARG A=1 B=$A` gives B the value A had before this line.
  std::map<std::string, std::string> allowed = AllAllowed();
  ShellEnv env(allowed.begin(), allowed.end());
  std::vector<std::pair<std::string, std::optional<std::string>>> expanded;
  for (const KeyValue& pair : arg.pairs) {
    absl::StatusOr<std::string> key = ProcessWord(pair.key, env, escape);
    if (!key.ok()) return key.status();
    std::optional<std::string> value;
    if (pair.value.has_value()) {
      absl::StatusOr<std::string> word = ProcessWord(*pair.value, env, escape);
      if (!word.ok()) return word.status();
      value = std::move(*word);
    }
    expanded.emplace_back(std::move(*key), std::move(value));
  }
  for (auto& [key, value] : expanded) {
    AddArg(key, value);
    meta_[key] = value;
  }
  return absl::OkStatus();
}

BuildArgs BuildArgs::ForStage() const {
  BuildArgs stage(from_options_);
  stage.meta_ = meta_;
  stage.referenced_ = referenced_;
  return stage;
}

void BuildArgs::AddArg(const std::string& key,
                       std::optional<std::string> value) {
  allowed_[key] = std::move(value);
  referenced_.insert(key);
}

void BuildArgs::MergeReferenced(const BuildArgs& other) {
  referenced_.insert(other.referenced_.begin(), other.referenced_.end());
}

// docker's getBuildArg: --build-arg wins, then the declaration's default,
// then (for `ARG name` without one) the global ARG's value.
std::optional<std::string> BuildArgs::Value(const std::string& key,
                                            const Declared& source) const {
  auto option = from_options_.find(key);
  if (option != from_options_.end() && option->second.has_value()) {
    return option->second;
  }
  auto declared = source.find(key);
  if (declared == source.end() || !declared->second.has_value()) {
    auto meta = meta_.find(key);
    if (meta != meta_.end() && meta->second.has_value()) return meta->second;
    return std::nullopt;
  }
  return declared->second;
}

std::map<std::string, std::string> BuildArgs::AllFrom(
    const Declared& source) const {
  std::map<std::string, std::string> values;
  std::set<std::string> keys;
  for (const auto& [key, value] : source) keys.insert(key);
  for (const std::string& key : PredefinedProxyArgs()) keys.insert(key);
  for (const std::string& key : keys) {
    std::optional<std::string> value = Value(key, source);
    if (value.has_value()) values[key] = *value;
  }
  return values;
}

std::map<std::string, std::string> BuildArgs::AllAllowed() const {
  return AllFrom(allowed_);
}

std::map<std::string, std::string> BuildArgs::AllMeta() const {
  return AllFrom(meta_);
}

std::vector<std::string> BuildArgs::FilterAllowed(
    const std::vector<std::string>& env) const {
  std::set<std::string> env_keys;
  for (const std::string& entry : env) {
    env_keys.insert(entry.substr(0, entry.find('=')));
  }
  std::vector<std::string> out;
  for (const auto& [key, value] : AllAllowed()) {
    if (env_keys.count(key) == 0) out.push_back(absl::StrCat(key, "=", value));
  }
  return out;
}

bool BuildArgs::IsReferencedOrNotBuiltin(const std::string& key) const {
  return allowed_.count(key) != 0 || !IsBuiltinBuildArg(key);
}

std::optional<std::string> BuildArgs::UnusedWarning() const {
  std::vector<std::string> unused;
  for (const auto& [key, value] : from_options_) {
    if (referenced_.count(key) == 0 && !IsBuiltinBuildArg(key)) {
      unused.push_back(key);
    }
  }
  if (unused.empty()) return std::nullopt;
  return absl::StrCat("[Warning] One or more build-args [",
                      absl::StrJoin(unused, " "), "] were not consumed");
}

}  // namespace berth::builder
