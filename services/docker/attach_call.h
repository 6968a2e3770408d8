// One Tasks.Attach call on behalf of a Docker API client: a container's
// attach (opened, and in place, before the 101 goes out) or an exec start
// (opened in the hijack, dockerd answering its 101 first there too).

#ifndef BERTH_SERVICES_DOCKER_ATTACH_CALL_H_
#define BERTH_SERVICES_DOCKER_ATTACH_CALL_H_

#include <memory>

#include <grpcpp/client_context.h>
#include <grpcpp/support/status.h>
#include <grpcpp/support/sync_stream.h>

#include "berth/tasks/v1/tasks.grpc.pb.h"
#include "services/docker/backends.h"
#include "services/docker/streams.h"

namespace berth::docker {

class AttachCall {
 public:
  AttachCall(const Backends& backends, berth::tasks::v1::AttachTarget target);
  // Cancels and finishes a call still open (a hijack that never ran).
  ~AttachCall();
  AttachCall(const AttachCall&) = delete;
  AttachCall& operator=(const AttachCall&) = delete;

  // Sends the target and returns once the tasks service has the attach in
  // place: a start sent after this is the one the attach follows. An
  // error is the service's refusal (no such container, ...).
  grpc::Status Open();

  // The process's stdio between the client and the call (opened now if
  // Open was not called), until the process ends or either side leaves.
  void Relay(AttachPeer& peer, bool close_stdin_at_eof);

 private:
  // Sends the target; false if the call broke at once.
  bool SendTarget();

  const Backends& backends_;
  berth::tasks::v1::AttachTarget target_;
  grpc::ClientContext context_;
  std::unique_ptr<grpc::ClientReaderWriter<berth::tasks::v1::AttachRequest,
                                           berth::tasks::v1::AttachResponse>>
      stream_;
  bool finished_ = false;
};

}  // namespace berth::docker

#endif  // BERTH_SERVICES_DOCKER_ATTACH_CALL_H_
