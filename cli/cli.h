#ifndef BERTH_CLI_CLI_H_
#define BERTH_CLI_CLI_H_

// State shared by the commands of one `berth` invocation.

#include <memory>
#include <string>

#include <grpcpp/channel.h>
#include <grpcpp/client_context.h>

#include "cli/connection.h"

namespace berth::cli {

struct Cli {
  ConnectionOptions connection;
  int exit_code = 0;

  // The channel to berthd, dialled on first use; nullptr after printing why
  // it could not be made (exit_code is then set).
  std::shared_ptr<grpc::Channel> Channel();
  // A context for one call: no deadline for streams, a generous one for
  // plain calls so a hung daemon does not hang the CLI forever.
  // Every call carries the namespace (services/common/namespaces).
  static std::unique_ptr<grpc::ClientContext> CallContext(bool stream = false);
  // --namespace, or BERTH_NAMESPACE: "default" is the CLI's own objects,
  // "k8s.io" the CRI's. One per invocation, hence process-wide.
  static std::string& Namespace();

 private:
  std::shared_ptr<grpc::Channel> channel_;
};

}  // namespace berth::cli

#endif  // BERTH_CLI_CLI_H_
