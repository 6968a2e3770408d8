#ifndef BERTH_SERVICES_CRI_PORT_FORWARD_SERVER_H_
#define BERTH_SERVICES_CRI_PORT_FORWARD_SERVER_H_

// The server's side of portforward.k8s.io: each pair of streams the client
// opens (data and error, by port and requestID) is a TCP connection to
// localhost:port inside the pod's network namespace, copied both ways as
// containerd copies it; a port nobody listens on is answered on the error
// stream. Runs until the client ends the session.

#include <string>

#include "absl/status/statusor.h"

#include "services/cri/streaming/spdy_session.h"

namespace berth::cri {

// netns_path: the pod's network namespace, "" for a pod on the host's; an
// error (the pod is gone) answers every connection with it.
void ServePortForward(streaming::SpdySession& session, const std::string& pod_id,
                      const absl::StatusOr<std::string>& netns_path);

}  // namespace berth::cri

#endif  // BERTH_SERVICES_CRI_PORT_FORWARD_SERVER_H_
