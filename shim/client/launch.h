#ifndef BERTH_SHIM_CLIENT_LAUNCH_H_
#define BERTH_SHIM_CLIENT_LAUNCH_H_

// Starts a berth-shim for one container, detached: a double fork with
// setsid, so the shim belongs to no process group or session of the
// caller and is reparented to init (or a subreaper), not to us. Returns
// once the shim has started the container or reported why it could not.

#include <sys/types.h>

#include <string>

#include "absl/status/statusor.h"
#include "berth/shim/v1/shim.pb.h"

namespace berth::shim {

// Writes <bundle>/config.pb, runs `shim_binary --bundle <bundle>`, and
// returns the container's pid. The shim's own messages go to
// <bundle>/shim.log. The caller may be multi-threaded: between fork and
// exec only async-signal-safe calls are made.
absl::StatusOr<pid_t> LaunchShim(const std::string& shim_binary, const v1::CreateRequest& create);

}  // namespace berth::shim

#endif  // BERTH_SHIM_CLIENT_LAUNCH_H_
