#ifndef BERTH_SERVICES_COMMON_CONFIG_LIVE_CONFIG_H_
#define BERTH_SERVICES_COMMON_CONFIG_LIVE_CONFIG_H_

// The daemon configuration of a running process, which a reload (SIGHUP)
// replaces while other threads read it: a reader takes a snapshot that
// stays whole for as long as it holds it.

#include <memory>

#include "absl/synchronization/mutex.h"
#include "services/common/config/daemon_config.h"

namespace berth::config {

class LiveConfig {
 public:
  explicit LiveConfig(DaemonConfig config)
      : config_(std::make_shared<const DaemonConfig>(std::move(config))) {}

  std::shared_ptr<const DaemonConfig> Get() const {
    absl::MutexLock lock(&mu_);
    return config_;
  }

  void Set(DaemonConfig config) {
    auto next = std::make_shared<const DaemonConfig>(std::move(config));
    absl::MutexLock lock(&mu_);
    config_ = std::move(next);
  }

 private:
  mutable absl::Mutex mu_;
  std::shared_ptr<const DaemonConfig> config_ ABSL_GUARDED_BY(mu_);
};

}  // namespace berth::config

#endif  // BERTH_SERVICES_COMMON_CONFIG_LIVE_CONFIG_H_
