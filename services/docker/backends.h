#ifndef BERTH_SERVICES_DOCKER_BACKENDS_H_
#define BERTH_SERVICES_DOCKER_BACKENDS_H_

// The services the Docker API translates to, each on its own socket: the
// front door keeps no state of its own.

#include <memory>
#include <string>

#include <grpcpp/client_context.h>
#include <grpcpp/support/status.h>

#include "berth/builder/v1/builder.grpc.pb.h"
#include "berth/images/v1/images.grpc.pb.h"
#include "berth/network/v1/network.grpc.pb.h"
#include "berth/snapshots/v1/snapshots.grpc.pb.h"
#include "berth/system/v1/system.grpc.pb.h"
#include "berth/tasks/v1/tasks.grpc.pb.h"
#include "services/common/http/http_server.h"

namespace berth::docker {

struct Backends {
  std::unique_ptr<berth::tasks::v1::Containers::Stub> containers;
  std::unique_ptr<berth::tasks::v1::Tasks::Stub> tasks;
  std::unique_ptr<berth::images::v1::Images::Stub> images;
  std::unique_ptr<berth::snapshots::v1::Volumes::Stub> volumes;
  std::unique_ptr<berth::network::v1::Networks::Stub> networks;
  std::unique_ptr<berth::builder::v1::Builder::Stub> builder;
  // berthd's own (info, version): on the daemon's unix socket.
  std::unique_ptr<berth::system::v1::System::Stub> system;

  // exec_root holds <service>.sock; daemon_socket is berthd's unix socket.
  static std::unique_ptr<Backends> Connect(const std::string& exec_root,
                                           const std::string& daemon_socket);
};

// A context for a unary call: a deadline long enough for a slow stop.
std::unique_ptr<grpc::ClientContext> UnaryContext();

// The container a name, id or id prefix names, from the tasks service.
grpc::Status GetContainer(const Backends& backends, const std::string& ref,
                          berth::tasks::v1::Container* out);

// dockerd's status for a service's error: 404 not found, 409 conflict,
// 400 bad parameter, 501 not implemented, 500 otherwise; the message as is.
http::HttpResponse ErrorResponse(const grpc::Status& status);
int HttpStatusFor(grpc::StatusCode code);

}  // namespace berth::docker

#endif  // BERTH_SERVICES_DOCKER_BACKENDS_H_
