#ifndef BERTH_SERVICES_TASKS_EVENTS_H_
#define BERTH_SERVICES_TASKS_EVENTS_H_

// Container events (create, start, die, oom, kill, pause, destroy...) for
// Subscribe: published once, delivered to every subscriber, and the last
// thousand kept so that `events --since` can replay them.

#include <deque>
#include <functional>
#include <map>
#include <string>

#include "absl/synchronization/mutex.h"
#include "absl/time/time.h"
#include "berth/tasks/v1/tasks.pb.h"
#include "berth/types/v1/types.pb.h"

namespace berth::tasks {

class EventBroker {
 public:
  void Publish(v1::ContainerEvent event);

  // Calls deliver for each stored event at or after since, then for each
  // new one, until deliver returns false or done() turns true (checked at
  // least every 200 ms).
  void Subscribe(absl::Time since, const std::function<bool(const berth::types::v1::Envelope&)>& deliver,
                 const std::function<bool()>& done);

 private:
  absl::Mutex mu_;
  std::deque<berth::types::v1::Envelope> recent_ ABSL_GUARDED_BY(mu_);
  uint64_t published_ ABSL_GUARDED_BY(mu_) = 0;
};

// docker events filters: container=, event=/action=, image=, label=, type=.
bool EventMatches(const v1::ContainerEvent& event,
                  const google::protobuf::Map<std::string, v1::FilterValues>& filters);

}  // namespace berth::tasks

#endif  // BERTH_SERVICES_TASKS_EVENTS_H_
