#include "services/tasks/events.h"

#include "absl/strings/match.h"
#include "services/common/namespaces/namespace.h"

namespace berth::tasks {

void EventBroker::Publish(const v1::ContainerEvent& event, const std::string& ns) {
  EventHub::Publish("/containers/" + event.action(), event, ns);
}

bool EventInNamespace(const berth::types::v1::Envelope& envelope, const std::string& ns) {
  return (envelope.namespace_().empty() ? namespaces::kDefault : envelope.namespace_()) == ns;
}

bool EventMatches(const v1::ContainerEvent& event,
                  const google::protobuf::Map<std::string, v1::FilterValues>& filters) {
  for (const auto& [key, values] : filters) {
    bool any = false;
    for (const std::string& value : values.values()) {
      if (key == "container") {
        any |= event.id() == value || event.name() == value || absl::StartsWith(event.id(), value);
      } else if (key == "event" || key == "action") {
        // docker's fuzzy match: event=health_status matches
        // "health_status: healthy", as exec_create and exec_start theirs.
        bool fuzzy = value == "health_status" || value == "exec_create" || value == "exec_start";
        any |= event.action() == value ||
               (fuzzy && absl::StartsWith(event.action(), value + ":"));
      } else if (key == "image") {
        any |= event.image() == value;
      } else if (key == "type") {
        any |= value == "container";
      } else if (key == "label") {
        size_t eq = value.find('=');
        auto it = event.attributes().find(value.substr(0, eq));
        any |= it != event.attributes().end() &&
               (eq == std::string::npos || it->second == value.substr(eq + 1));
      }
    }
    if (!any) return false;
  }
  return true;
}

}  // namespace berth::tasks
