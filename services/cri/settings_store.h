#ifndef BERTH_SERVICES_CRI_SETTINGS_STORE_H_
#define BERTH_SERVICES_CRI_SETTINGS_STORE_H_

// Runtime settings the kubelet hands over (UpdateRuntimeConfig's pod CIDR),
// kept across restarts of berth-cri: the kubelet sends them once.

#include <string>

#include "absl/status/statusor.h"
#include "services/common/store/database.h"

namespace berth::cri {

class SettingsStore {
 public:
  explicit SettingsStore(store::Database* db) : db_(db) {}

  // "" when never set.
  absl::StatusOr<std::string> PodCidr();
  absl::Status SetPodCidr(const std::string& cidr);

 private:
  absl::StatusOr<std::string> Get(const std::string& key);
  absl::Status Set(const std::string& key, const std::string& value);

  store::Database* db_;
};

}  // namespace berth::cri

#endif  // BERTH_SERVICES_CRI_SETTINGS_STORE_H_
