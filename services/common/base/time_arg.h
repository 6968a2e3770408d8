#ifndef BERTH_SERVICES_COMMON_BASE_TIME_ARG_H_
#define BERTH_SERVICES_COMMON_BASE_TIME_ARG_H_

// docker's GetTimestamp, for --since/--until and the until= filter of the
// prune calls: one parser for the CLI and the services.

#include <string>

#include "absl/status/statusor.h"
#include "absl/time/time.h"

namespace berth {

// A duration before now ("10m", "1h30m"), RFC 3339 (with or without zone,
// fraction or time; no zone means UTC), or Unix seconds with an optional
// fraction. InvalidArgument "failed to parse value as time or duration:
// \"TEXT\"" otherwise.
absl::StatusOr<absl::Time> ParseTimeArg(const std::string& text, absl::Time now);

}  // namespace berth

#endif  // BERTH_SERVICES_COMMON_BASE_TIME_ARG_H_
