#include "services/builder/backends.h"

#include <grpcpp/create_channel.h>
#include <grpcpp/security/credentials.h>

#include "absl/strings/str_cat.h"
#include "services/common/namespaces/namespace.h"

namespace berth::builder {

Backends Backends::Connect(const std::string& exec_root) {
  auto channel = [&](const char* name) {
    grpc::ChannelArguments args;
    args.SetMaxReceiveMessageSize(64 << 20);
    args.SetMaxSendMessageSize(64 << 20);
    return grpc::CreateCustomChannel(absl::StrCat("unix://", exec_root, "/", name, ".sock"),
                                     grpc::InsecureChannelCredentials(), args);
  };
  Backends backends;
  auto tasks_channel = channel("tasks");
  backends.images = berth::images::v1::Images::NewStub(channel("images"));
  backends.snapshots = berth::snapshots::v1::Snapshots::NewStub(channel("snapshots"));
  backends.containers = berth::tasks::v1::Containers::NewStub(tasks_channel);
  backends.tasks = berth::tasks::v1::Tasks::NewStub(tasks_channel);
  return backends;
}

std::unique_ptr<grpc::ClientContext> Call() {
  auto context = std::make_unique<grpc::ClientContext>();
  context->set_wait_for_ready(true);
  return context;
}

std::unique_ptr<grpc::ClientContext> CallIn(const std::string& ns) {
  auto context = Call();
  namespaces::SetNamespace(*context, ns);
  return context;
}

absl::Status FromGrpc(const grpc::Status& status, const std::string& what) {
  return absl::Status(static_cast<absl::StatusCode>(status.error_code()),
                      absl::StrCat(what, ": ", status.error_message()));
}

}  // namespace berth::builder
