// ApplyReload: which keys a SIGHUP changes.

#include <string>

#include "nlohmann/json.hpp"
#include "services/common/config/daemon_config.h"
#include "services/common/config/json_form.h"

namespace berth::config {

Reload ApplyReload(const DaemonConfig& current, const DaemonConfig& next) {
  static const char* kLive[] = {"debug",
                                "log-level",
                                "labels",
                                "registry-mirrors",
                                "insecure-registries",
                                "default-ulimits",
                                "max-concurrent-downloads",
                                "max-concurrent-uploads",
                                "shutdown-timeout",
                                "live-restore"};
  nlohmann::json before = internal::ToJsonObject(current);
  nlohmann::json after = internal::ToJsonObject(next);
  nlohmann::json merged = before;
  Reload reload;
  for (const char* key : kLive) {
    if (before[key] != after[key]) reload.changed.push_back(key);
    merged[key] = after[key];
  }
  for (const auto& [key, value] : before.items()) {
    bool live = false;
    for (const char* name : kLive) live |= key == name;
    if (!live && value != after[key]) reload.need_restart.push_back(key);
  }
  // Both sides are valid configurations, so their mix parses.
  auto parsed = ParseDaemonConfig(merged.dump(), "reload");
  reload.config = parsed.ok() ? *std::move(parsed) : current;
  reload.config.keys_set = current.keys_set;
  return reload;
}

std::string ChangedKeysJson(const Reload& reload) {
  nlohmann::json all = internal::ToJsonObject(reload.config);
  nlohmann::json changed = nlohmann::json::object();
  for (const std::string& key : reload.changed) changed[key] = all[key];
  return changed.dump();
}

}  // namespace berth::config
