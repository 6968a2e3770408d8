#ifndef BERTH_SERVICES_CRI_STREAM_SERVER_H_
#define BERTH_SERVICES_CRI_STREAM_SERVER_H_

// The CRI streaming server: the URLs that Exec, Attach and PortForward
// answer point here (http://ADDRESS/exec/TOKEN, /attach/, /portforward/),
// as the kubelet's streaming server. A request with a live token is
// upgraded to SPDY/3.1 with the subprotocol both sides speak and served
// until it ends; an unknown, used or expired token is 404.

#include <memory>
#include <string>

#include "absl/status/statusor.h"
#include "services/cri/backends.h"
#include "services/cri/pod_sandboxes.h"
#include "services/cri/stream_tokens.h"
#include "services/common/http/http_server.h"

namespace berth::cri {

class StreamServer {
 public:
  // address: host:port (port 0: a free one).
  static absl::StatusOr<std::unique_ptr<StreamServer>> Start(const std::string& address,
                                                             const Backends* backends,
                                                             PodSandboxes* pods,
                                                             const TasksClient* tasks);
  StreamServer(const StreamServer&) = delete;
  StreamServer& operator=(const StreamServer&) = delete;

  // A URL for the request, good once within a minute.
  absl::StatusOr<std::string> UrlFor(StreamRequest request);
  // http://host:port, the port the server got.
  const std::string& base_url() const { return base_url_; }

 private:
  StreamServer(const Backends* backends, PodSandboxes* pods, const TasksClient* tasks)
      : backends_(backends), pods_(pods), tasks_(tasks) {}
  http::HttpResponse Handle(const http::HttpRequest& request);
  // What the session runs once upgraded.
  void Serve(const StreamRequest& stream, const std::string& protocol, int fd,
             std::string early);
  // The pod's network namespace path; "" for a pod on the host's network.
  absl::StatusOr<std::string> PodNetns(const std::string& pod_id) const;

  const Backends* backends_;
  PodSandboxes* pods_;
  const TasksClient* tasks_;
  StreamTokens tokens_;
  std::string base_url_;
  std::unique_ptr<http::HttpServer> http_;
};

}  // namespace berth::cri

#endif  // BERTH_SERVICES_CRI_STREAM_SERVER_H_
