#ifndef BERTH_SERVICES_BUILDER_BACKENDS_H_
#define BERTH_SERVICES_BUILDER_BACKENDS_H_

// The services the builder is a client of, each on <exec-root>/<name>.sock.
// Every call carries the namespace of the build's caller, so that images
// and intermediate containers are made where the caller sees them.

#include <memory>
#include <string>

#include <grpcpp/channel.h>
#include <grpcpp/client_context.h>

#include "absl/status/status.h"
#include "berth/images/v1/images.grpc.pb.h"
#include "berth/snapshots/v1/snapshots.grpc.pb.h"
#include "berth/tasks/v1/tasks.grpc.pb.h"

namespace berth::builder {

struct Backends {
  std::unique_ptr<berth::images::v1::Images::StubInterface> images;
  std::unique_ptr<berth::snapshots::v1::Snapshots::StubInterface> snapshots;
  std::unique_ptr<berth::tasks::v1::Containers::StubInterface> containers;
  std::unique_ptr<berth::tasks::v1::Tasks::StubInterface> tasks;

  static Backends Connect(const std::string& exec_root);
};

// A client context in namespace `ns` (no deadline: builds take as long as
// their steps; the caller's cancellation is passed on by TryCancel). It
// waits for a service that berthd is restarting rather than failing.
std::unique_ptr<grpc::ClientContext> CallIn(const std::string& ns);
// The same for services without namespaces (snapshots).
std::unique_ptr<grpc::ClientContext> Call();

// A failed call as a status that says what was being done.
absl::Status FromGrpc(const grpc::Status& status, const std::string& what);

}  // namespace berth::builder

#endif  // BERTH_SERVICES_BUILDER_BACKENDS_H_
