#ifndef BERTH_SERVICES_CRI_BACKENDS_H_
#define BERTH_SERVICES_CRI_BACKENDS_H_

// The services berth-cri is a client of, each on <exec-root>/<name>.sock.
// Every call it makes carries the CRI's namespace (k8s.io), so that what
// the kubelet pulls and runs stays apart from the CLI's objects.

#include <chrono>
#include <memory>
#include <string>

#include <grpcpp/channel.h>
#include <grpcpp/client_context.h>

#include "absl/status/status.h"
#include "berth/images/v1/images.grpc.pb.h"
#include "berth/snapshots/v1/snapshots.grpc.pb.h"
#include "berth/tasks/v1/tasks.grpc.pb.h"

namespace berth::cri {

struct Backends {
  std::shared_ptr<grpc::Channel> images_channel;
  std::shared_ptr<grpc::Channel> snapshots_channel;
  std::shared_ptr<grpc::Channel> tasks_channel;
  std::shared_ptr<grpc::Channel> network_channel;
  std::shared_ptr<berth::images::v1::Images::StubInterface> images;
  std::shared_ptr<berth::snapshots::v1::Snapshots::StubInterface> snapshots;
  std::shared_ptr<berth::tasks::v1::Containers::StubInterface> containers;
  std::shared_ptr<berth::tasks::v1::Tasks::StubInterface> tasks;

  static Backends Connect(const std::string& exec_root);
};

// A client context in the CRI's namespace with a deadline.
std::unique_ptr<grpc::ClientContext> CallContext(std::chrono::seconds timeout);
// One without a deadline, for a stream that lasts as long as its client.
std::unique_ptr<grpc::ClientContext> StreamContext();

// OK when the service behind the channel answers its health check as
// SERVING within the timeout; UNAVAILABLE with the reason otherwise.
absl::Status CheckServing(grpc::Channel& channel, std::chrono::milliseconds timeout);

}  // namespace berth::cri

#endif  // BERTH_SERVICES_CRI_BACKENDS_H_
