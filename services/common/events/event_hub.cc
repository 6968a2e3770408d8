#include "services/common/events/event_hub.h"

#include <algorithm>
#include <vector>

#include "absl/time/clock.h"

namespace berth::events {
namespace {

constexpr size_t kKept = 1000;

}  // namespace

absl::Time EnvelopeTime(const berth::types::v1::Envelope& envelope) {
  return absl::FromUnixSeconds(envelope.timestamp().seconds()) +
         absl::Nanoseconds(envelope.timestamp().nanos());
}

void EventHub::Publish(const std::string& topic, const google::protobuf::Message& event,
                       const std::string& ns) {
  berth::types::v1::Envelope envelope;
  int64_t now = absl::ToUnixNanos(absl::Now());
  envelope.mutable_timestamp()->set_seconds(now / 1000000000);
  envelope.mutable_timestamp()->set_nanos(static_cast<int32_t>(now % 1000000000));
  envelope.set_topic(topic);
  envelope.set_source(source_);
  envelope.set_namespace_(ns);
  envelope.mutable_event()->PackFrom(event);
  absl::MutexLock lock(&mu_);
  recent_.push_back(std::move(envelope));
  if (recent_.size() > kKept) recent_.pop_front();
  ++published_;
}

void EventHub::Subscribe(absl::Time since,
                         const std::function<bool(const berth::types::v1::Envelope&)>& deliver,
                         const std::function<bool()>& done) {
  uint64_t seen;
  std::vector<berth::types::v1::Envelope> backlog;
  {
    absl::MutexLock lock(&mu_);
    seen = published_;
    for (const auto& envelope : recent_) {
      if (EnvelopeTime(envelope) >= since) backlog.push_back(envelope);
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

}  // namespace berth::events
