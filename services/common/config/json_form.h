#ifndef BERTH_SERVICES_COMMON_CONFIG_JSON_FORM_H_
#define BERTH_SERVICES_COMMON_CONFIG_JSON_FORM_H_

// Internal to :config. DaemonConfig as a JSON object with every daemon.json
// key: the one place that knows the key ↔ member mapping in this direction,
// shared by ToJson and MergeFlags.

#include "nlohmann/json.hpp"
#include "services/common/config/daemon_config.h"

namespace berth::config::internal {

nlohmann::json ToJsonObject(const DaemonConfig& config);

}  // namespace berth::config::internal

#endif  // BERTH_SERVICES_COMMON_CONFIG_JSON_FORM_H_
