#ifndef BERTH_SERVICES_COMMON_EVENTS_EVENT_HUB_H_
#define BERTH_SERVICES_COMMON_EVENTS_EVENT_HUB_H_

// A service's events for its Subscribe call (docker's events: container
// start, image pull, ...): published once as envelopes, delivered to every
// subscriber, and the last thousand kept so that `events --since` can
// replay them. Each service that has events owns one hub.

#include <deque>
#include <functional>
#include <string>

#include <google/protobuf/message.h>

#include "absl/synchronization/mutex.h"
#include "absl/time/time.h"
#include "berth/types/v1/types.pb.h"

namespace berth::events {

class EventHub {
 public:
  // source: the publishing service ("tasks"); topic: "/containers/start".
  explicit EventHub(std::string source) : source_(std::move(source)) {}

  // ns: the namespace of the object the event is about, if it has one.
  void Publish(const std::string& topic, const google::protobuf::Message& event,
               const std::string& ns = "");

  // Calls deliver for each stored event at or after since, then for each
  // new one, until deliver returns false or done() turns true (checked at
  // least every 200 ms).
  void Subscribe(absl::Time since,
                 const std::function<bool(const berth::types::v1::Envelope&)>& deliver,
                 const std::function<bool()>& done);

 private:
  const std::string source_;
  absl::Mutex mu_;
  std::deque<berth::types::v1::Envelope> recent_ ABSL_GUARDED_BY(mu_);
  uint64_t published_ ABSL_GUARDED_BY(mu_) = 0;
};

absl::Time EnvelopeTime(const berth::types::v1::Envelope& envelope);

}  // namespace berth::events

#endif  // BERTH_SERVICES_COMMON_EVENTS_EVENT_HUB_H_
