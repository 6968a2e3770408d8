#include "services/tasks/events.h"

#include "absl/strings/match.h"

namespace berth::tasks {
namespace {

constexpr size_t kKept = 1000;

absl::Time TimeOf(const berth::types::v1::Envelope& envelope) {
  return absl::FromUnixSeconds(envelope.timestamp().seconds()) +
         absl::Nanoseconds(envelope.timestamp().nanos());
}

}  // namespace

void EventBroker::Publish(v1::ContainerEvent event) {
  berth::types::v1::Envelope envelope;
  int64_t now = absl::ToUnixNanos(absl::Now());
  envelope.mutable_timestamp()->set_seconds(now / 1000000000);
  envelope.mutable_timestamp()->set_nanos(static_cast<int32_t>(now % 1000000000));
  envelope.set_topic("/containers/" + event.action());
  envelope.set_source("tasks");
  envelope.mutable_event()->PackFrom(event);
  absl::MutexLock lock(&mu_);
  recent_.push_back(std::move(envelope));
  if (recent_.size() > kKept) recent_.pop_front();
  ++published_;
}

void EventBroker::Subscribe(absl::Time since,
                            const std::function<bool(const berth::types::v1::Envelope&)>& deliver,
                            const std::function<bool()>& done) {
  uint64_t seen;
  std::vector<berth::types::v1::Envelope> backlog;
  {
    absl::MutexLock lock(&mu_);
    seen = published_;
    for (const auto& envelope : recent_) {
      if (TimeOf(envelope) >= since) backlog.push_back(envelope);
    }
  }
  for (const auto& envelope : backlog) {
    if (!deliver(envelope)) return;
  }
  while (!done()) {
    std::vector<berth::types::v1::Envelope> fresh;
    {
      absl::MutexLock lock(&mu_);
      auto changed = [this, seen]() ABSL_SHARED_LOCKS_REQUIRED(mu_) { return published_ != seen; };
      mu_.AwaitWithTimeout(absl::Condition(&changed), absl::Milliseconds(200));
      uint64_t missed = published_ - seen;
      size_t take = std::min<uint64_t>(missed, recent_.size());
      for (size_t i = recent_.size() - take; i < recent_.size(); ++i) fresh.push_back(recent_[i]);
      seen = published_;
    }
    for (const auto& envelope : fresh) {
      if (!deliver(envelope)) return;
    }
  }
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
