#ifndef BERTH_SERVICES_BERTHD_BACKENDS_H_
#define BERTH_SERVICES_BERTHD_BACKENDS_H_

// The channels berthd holds to its services, by service name. The
// supervisor replaces a channel when it restarts the process behind it, so a
// restarted service is reachable at once rather than after gRPC's reconnect
// back-off.

#include <map>
#include <memory>
#include <string>
#include <string_view>

#include <grpcpp/channel.h>

#include "absl/synchronization/mutex.h"

namespace berth::berthd {

class Backends {
 public:
  // The channel of the named service (images, snapshots, tasks, network,
  // system); nullptr when there is no such service.
  std::shared_ptr<grpc::Channel> Get(const std::string& name) const;
  void Set(const std::string& name, std::shared_ptr<grpc::Channel> channel);
  // A fresh channel to a unix socket, with short reconnect back-off.
  static std::shared_ptr<grpc::Channel> Dial(const std::string& socket_path);

  // The service that owns a gRPC service name: "berth.images.v1.Images" →
  // "images". Empty when the name is not a berth API.
  static std::string OwnerOf(std::string_view grpc_service);

 private:
  mutable absl::Mutex mu_;
  std::map<std::string, std::shared_ptr<grpc::Channel>> channels_ ABSL_GUARDED_BY(mu_);
};

}  // namespace berth::berthd

#endif  // BERTH_SERVICES_BERTHD_BACKENDS_H_
