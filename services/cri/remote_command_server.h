#ifndef BERTH_SERVICES_CRI_REMOTE_COMMAND_SERVER_H_
#define BERTH_SERVICES_CRI_REMOTE_COMMAND_SERVER_H_

// The server's side of remotecommand (exec and attach) over a SPDY session,
// as the kubelet's streaming server serves it: it waits for the client's
// streams (error, and stdin, stdout, stderr, resize as the request has
// them), relays them to and from the tasks service's Attach, and ends with
// the status on the error stream (v4: a metav1.Status with the exit code;
// before v4: an error's text, nothing for success).

#include <string>

#include "k8s/cri/runtime/v1/api.pb.h"
#include "services/cri/backends.h"
#include "services/cri/streaming/spdy_session.h"

namespace berth::cri {

// Runs the command to its end. protocol: the subprotocol negotiated.
void ServeExec(const Backends& backends, streaming::SpdySession& session,
               const std::string& protocol, const runtime::v1::ExecRequest& request);
// Follows the container's process until it ends or the client leaves.
void ServeAttach(const Backends& backends, streaming::SpdySession& session,
                 const std::string& protocol, const runtime::v1::AttachRequest& request);

}  // namespace berth::cri

#endif  // BERTH_SERVICES_CRI_REMOTE_COMMAND_SERVER_H_
