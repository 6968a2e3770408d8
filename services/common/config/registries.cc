// InsecureRegistries: the configured list plus dockerd's loopback default.

#include <algorithm>

#include "services/common/config/daemon_config.h"

namespace berth::config {

std::vector<std::string> InsecureRegistries(const DaemonConfig& config) {
  std::vector<std::string> registries = config.insecure_registries;
  for (const char* loopback : {"::1/128", "127.0.0.0/8"}) {
    if (std::find(registries.begin(), registries.end(), loopback) == registries.end()) {
      registries.push_back(loopback);
    }
  }
  return registries;
}

}  // namespace berth::config
