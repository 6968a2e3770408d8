#ifndef BERTH_SERVICES_CRI_STREAMING_REMOTECOMMAND_STATUS_H_
#define BERTH_SERVICES_CRI_STREAMING_REMOTECOMMAND_STATUS_H_

// What the error stream of a remotecommand session carries when the command
// ends. From v4.channel.k8s.io on it is a metav1.Status in JSON:
//   {"metadata":{},"status":"Success"}
//   {"metadata":{},"status":"Failure","message":"...","reason":"NonZeroExitCode",
//    "details":{"causes":[{"reason":"ExitCode","message":"3"}]}}
// Before v4 it is the error's text, and nothing at all for success.

#include <optional>
#include <string>
#include <string_view>

#include "absl/status/statusor.h"

namespace berth::cri::streaming {

std::string SuccessStatusJson();
// A command that exited with a code other than 0.
std::string ExitCodeStatusJson(int exit_code);
// Any other failure (the command could not start, the container is gone).
std::string FailureStatusJson(std::string_view message);

struct RemoteCommandResult {
  bool success = false;
  std::optional<int> exit_code;  // set for success (0) and NonZeroExitCode
  std::string message;
};

// The client's reading of the error stream under v4; an empty stream is
// success, as kubectl takes it. An error only for what is not a Status.
absl::StatusOr<RemoteCommandResult> ParseV4Status(std::string_view error_stream);

}  // namespace berth::cri::streaming

#endif  // BERTH_SERVICES_CRI_STREAMING_REMOTECOMMAND_STATUS_H_
