#ifndef BERTH_SERVICES_NETWORK_CONTAINER_LOCKS_H_
#define BERTH_SERVICES_NETWORK_CONTAINER_LOCKS_H_

// One change at a time per container (its sandbox's create, remove,
// connect), while changes to different containers run side by side: the
// CNI plugins of five pods need not queue behind one lock.

#include <set>
#include <string>

#include "absl/synchronization/mutex.h"

namespace berth::network {

class ContainerLocks {
 public:
  // Held for a scope; waits while another scope holds the same id.
  class Scoped {
   public:
    Scoped(ContainerLocks* locks, std::string id) : locks_(locks), id_(std::move(id)) {
      absl::MutexLock lock(&locks_->mu_);
      locks_->mu_.Await(absl::Condition(
          +[](Scoped* self) { return self->locks_->held_.count(self->id_) == 0; }, this));
      locks_->held_.insert(id_);
    }
    ~Scoped() {
      absl::MutexLock lock(&locks_->mu_);
      locks_->held_.erase(id_);
    }
    Scoped(const Scoped&) = delete;
    Scoped& operator=(const Scoped&) = delete;

   private:
    ContainerLocks* locks_;
    std::string id_;
  };

 private:
  absl::Mutex mu_;
  std::set<std::string> held_ ABSL_GUARDED_BY(mu_);
};

}  // namespace berth::network

#endif  // BERTH_SERVICES_NETWORK_CONTAINER_LOCKS_H_
