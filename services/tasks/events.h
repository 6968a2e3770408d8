#ifndef BERTH_SERVICES_TASKS_EVENTS_H_
#define BERTH_SERVICES_TASKS_EVENTS_H_

// Container events (create, start, die, oom, kill, pause, destroy...) for
// Tasks.Subscribe, and docker's filters over them.

#include <string>

#include "berth/tasks/v1/tasks.pb.h"
#include "services/common/events/event_hub.h"

namespace berth::tasks {

// Container events on the common hub: topic /containers/<action>.
class EventBroker : public events::EventHub {
 public:
  EventBroker() : EventHub("tasks") {}
  // ns: the container's namespace; its subscribers alone see the event.
  void Publish(const v1::ContainerEvent& event, const std::string& ns);
};

// Whether a subscriber in namespace `ns` sees the envelope (an envelope
// without one is "default"'s, as the records from before namespaces).
bool EventInNamespace(const berth::types::v1::Envelope& envelope, const std::string& ns);

// docker events filters: container=, event=/action=, image=, label=, type=.
bool EventMatches(const v1::ContainerEvent& event,
                  const google::protobuf::Map<std::string, v1::FilterValues>& filters);

}  // namespace berth::tasks

#endif  // BERTH_SERVICES_TASKS_EVENTS_H_
