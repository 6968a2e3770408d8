#include "cli/cli.h"

#include <chrono>
#include <cstdio>

#include "cli/output.h"
#include "services/common/namespaces/namespace.h"

namespace berth::cli {

std::shared_ptr<grpc::Channel> Cli::Channel() {
  if (channel_ != nullptr) return channel_;
  auto channel = Dial(connection);
  if (!channel.ok()) {
    std::fprintf(stderr, "%s\n", std::string(channel.status().message()).c_str());
    exit_code = kExitDaemonError;
    return nullptr;
  }
  channel_ = *channel;
  return channel_;
}

std::unique_ptr<grpc::ClientContext> Cli::CallContext(bool stream) {
  auto context = std::make_unique<grpc::ClientContext>();
  if (!stream) {
    context->set_deadline(std::chrono::system_clock::now() + std::chrono::minutes(5));
  }
  namespaces::SetNamespace(*context, Namespace());
  return context;
}

std::string& Cli::Namespace() {
  static std::string* name = new std::string(namespaces::kDefault);
  return *name;
}

}  // namespace berth::cli
