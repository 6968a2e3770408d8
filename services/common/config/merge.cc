// MergeFlags: dockerd's rule for flags and daemon.json together.

#include <string>
#include <vector>

#include "absl/strings/str_cat.h"
#include "absl/strings/str_join.h"
#include "nlohmann/json.hpp"
#include "services/common/config/daemon_config.h"
#include "services/common/config/json_form.h"

namespace berth::config {
namespace {

using nlohmann::json;

// Values as dockerd prints them (Go's %v): strings bare, lists as [a b].
std::string Show(const json& value) {
  if (value.is_string()) return value.get<std::string>();
  if (value.is_array()) {
    std::vector<std::string> items;
    for (const json& item : value) items.push_back(Show(item));
    return absl::StrCat("[", absl::StrJoin(items, " "), "]");
  }
  return value.dump();
}

}  // namespace

absl::Status MergeFlags(const DaemonConfig& from_flags, const std::set<std::string>& flags_set,
                        DaemonConfig* config) {
  json flags = internal::ToJsonObject(from_flags);
  json merged = internal::ToJsonObject(*config);
  std::vector<std::string> conflicts;
  for (const std::string& key : flags_set) {
    if (!flags.contains(key)) {
      return absl::InvalidArgumentError(absl::StrCat("flags: unknown setting \"", key, "\""));
    }
    if (config->keys_set.count(key) > 0) {
      conflicts.push_back(absl::StrCat(key, ": (from flag: ", Show(flags[key]),
                                       ", from file: ", Show(merged[key]), ")"));
    }
  }
  if (!conflicts.empty()) {
    return absl::InvalidArgumentError(absl::StrCat(
        "the following directives are specified both as a flag and in the configuration file: ",
        absl::StrJoin(conflicts, ", ")));
  }
  for (const std::string& key : flags_set) merged[key] = flags[key];
  // Parsing the merged form checks flag values with the file's rules.
  absl::StatusOr<DaemonConfig> parsed = ParseDaemonConfig(merged.dump(), "flags");
  if (!parsed.ok()) return parsed.status();
  std::set<std::string> keys_set = config->keys_set;
  keys_set.insert(flags_set.begin(), flags_set.end());
  *config = *std::move(parsed);
  config->keys_set = std::move(keys_set);
  return absl::OkStatus();
}

}  // namespace berth::config
