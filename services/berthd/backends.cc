#include "services/berthd/backends.h"

#include <grpcpp/create_channel.h>
#include <grpcpp/security/credentials.h>
#include <grpcpp/support/channel_arguments.h>

#include "absl/strings/match.h"
#include "absl/strings/strip.h"
#include "absl/strings/str_cat.h"

namespace berth::berthd {

std::shared_ptr<grpc::Channel> Backends::Get(const std::string& name) const {
  absl::MutexLock lock(&mu_);
  auto it = channels_.find(name);
  return it == channels_.end() ? nullptr : it->second;
}

void Backends::Set(const std::string& name, std::shared_ptr<grpc::Channel> channel) {
  absl::MutexLock lock(&mu_);
  channels_[name] = std::move(channel);
}

std::shared_ptr<grpc::Channel> Backends::Dial(const std::string& socket_path) {
  grpc::ChannelArguments args;
  args.SetInt(GRPC_ARG_INITIAL_RECONNECT_BACKOFF_MS, 100);
  args.SetInt(GRPC_ARG_MIN_RECONNECT_BACKOFF_MS, 100);
  args.SetInt(GRPC_ARG_MAX_RECONNECT_BACKOFF_MS, 1000);
  // Layers, archives and logs travel through the proxy in large messages.
  args.SetMaxReceiveMessageSize(64 << 20);
  args.SetMaxSendMessageSize(64 << 20);
  return grpc::CreateCustomChannel(absl::StrCat("unix://", socket_path),
                                   grpc::InsecureChannelCredentials(), args);
}

std::string Backends::OwnerOf(std::string_view grpc_service) {
  absl::string_view name(grpc_service.data(), grpc_service.size());
  if (!absl::ConsumePrefix(&name, "berth.")) return "";
  size_t dot = name.find('.');
  if (dot == absl::string_view::npos) return "";
  return std::string(name.substr(0, dot));
}

}  // namespace berth::berthd
