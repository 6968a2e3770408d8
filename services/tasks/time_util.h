#ifndef BERTH_SERVICES_TASKS_TIME_UTIL_H_
#define BERTH_SERVICES_TASKS_TIME_UTIL_H_

// absl::Time <-> google.protobuf.Timestamp, to the nanosecond.

#include <google/protobuf/timestamp.pb.h>

#include "absl/time/time.h"

namespace berth::tasks {

inline void SetTime(google::protobuf::Timestamp* out, absl::Time time) {
  int64_t nanos = absl::ToUnixNanos(time);
  out->set_seconds(nanos / 1000000000);
  out->set_nanos(static_cast<int32_t>(nanos % 1000000000));
}

inline absl::Time FromProto(const google::protobuf::Timestamp& time) {
  return absl::FromUnixSeconds(time.seconds()) + absl::Nanoseconds(time.nanos());
}

}  // namespace berth::tasks

#endif  // BERTH_SERVICES_TASKS_TIME_UTIL_H_
