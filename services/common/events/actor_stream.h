#ifndef BERTH_SERVICES_COMMON_EVENTS_ACTOR_STREAM_H_
#define BERTH_SERVICES_COMMON_EVENTS_ACTOR_STREAM_H_

// The Subscribe call of a service whose events are docker Actors (volumes,
// networks): its hub's envelopes from `since` (now when unset) to `until`
// (for ever when unset) whose event matches the request's filters, until
// the client leaves.

#include <string>

#include <grpcpp/server_context.h>
#include <grpcpp/support/sync_stream.h>

#include "absl/time/clock.h"
#include "absl/time/time.h"
#include "berth/types/v1/types.pb.h"
#include "services/common/events/actor_filter.h"
#include "services/common/events/event_hub.h"

namespace berth::events {

inline absl::Time TimeOf(const google::protobuf::Timestamp& time) {
  return absl::FromUnixSeconds(time.seconds()) + absl::Nanoseconds(time.nanos());
}

// Event: a message with id, action and attributes; Request: one with
// optional since and until and a map of filters.
template <typename Event, typename Request>
void StreamActorEvents(EventHub& hub, const std::string& type, const Request& request,
                       grpc::ServerContext& context,
                       grpc::ServerWriter<berth::types::v1::Envelope>& writer) {
  absl::Time since = request.has_since() ? TimeOf(request.since()) : absl::Now();
  absl::Time until = request.has_until() ? TimeOf(request.until()) : absl::InfiniteFuture();
  FilterLists filters = ToFilterLists(request.filters());
  hub.Subscribe(
      since,
      [&](const berth::types::v1::Envelope& envelope) {
        if (EnvelopeTime(envelope) > until) return false;
        Event event;
        if (!envelope.event().UnpackTo(&event) ||
            !ActorMatches(type, event.id(), event.action(), event.attributes(), filters)) {
          return true;
        }
        return writer.Write(envelope);
      },
      [&] { return context.IsCancelled() || absl::Now() > until; });
}

}  // namespace berth::events

#endif  // BERTH_SERVICES_COMMON_EVENTS_ACTOR_STREAM_H_
