#ifndef BERTH_SERVICES_CRI_STREAMING_SPDY_CLIENT_H_
#define BERTH_SERVICES_CRI_STREAMING_SPDY_CLIENT_H_

// The client end of the streaming protocol, as kubectl and crictl dial it:
// an HTTP/1.1 upgrade to SPDY/3.1 on the URL the CRI's Exec, Attach or
// PortForward answered, then a client session (odd stream ids). For berth's
// own tests and tools: CI has no crictl.

#include <memory>
#include <string>
#include <string_view>
#include <vector>

#include "absl/status/statusor.h"
#include "absl/time/time.h"
#include "services/common/base/unique_fd.h"
#include "services/cri/streaming/spdy_session.h"
#include "services/cri/streaming/upgrade.h"

namespace berth::cri::streaming {

struct SpdyConnection {
  std::unique_ptr<SpdySession> session;
  // The subprotocol the server chose ("" from a server that chose none).
  std::string protocol;
};

// Upgrades an already connected socket (a socketpair in tests).
absl::StatusOr<SpdyConnection> UpgradeToSpdy(UniqueFd fd, const UpgradeRequest& request,
                                             absl::Duration timeout = absl::Seconds(30));

// Dials url ("http://HOST:PORT/PATH", HOST may be "[v6]") over TCP and
// upgrades, offering protocols in that order.
absl::StatusOr<SpdyConnection> ConnectSpdy(std::string_view url, const std::vector<std::string>& protocols,
                                           absl::Duration timeout = absl::Seconds(30));

}  // namespace berth::cri::streaming

#endif  // BERTH_SERVICES_CRI_STREAMING_SPDY_CLIENT_H_
