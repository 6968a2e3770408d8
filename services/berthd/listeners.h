#ifndef BERTH_SERVICES_BERTHD_LISTENERS_H_
#define BERTH_SERVICES_BERTHD_LISTENERS_H_

// Client endpoints from -H/--host: unix sockets, and TCP only with mutual
// TLS (or the explicit --insecure-tcp opt-in).

#include <memory>
#include <string>
#include <vector>

#include <grpcpp/security/server_credentials.h>

#include "absl/status/statusor.h"
#include "services/common/config/daemon_config.h"

namespace berth::berthd {

struct Listener {
  // "unix" or "tcp".
  std::string scheme;
  // Socket path, or host:port.
  std::string address;
  // What gRPC's ServerBuilder takes: unix:///path, host:port.
  std::string grpc_uri;
  std::shared_ptr<grpc::ServerCredentials> credentials;
};

// Parses unix:///path, tcp://host[:port] (2376 with TLS, as dockerd) and
// checks that every TCP endpoint is protected as configured.
absl::StatusOr<std::vector<Listener>> ParseListeners(const config::DaemonConfig& config);

}  // namespace berth::berthd

#endif  // BERTH_SERVICES_BERTHD_LISTENERS_H_
