#ifndef BERTH_CLI_CONNECTION_H_
#define BERTH_CLI_CONNECTION_H_

// Where and how the CLI reaches berthd, as the docker CLI decides it:
// -H/--host or BERTH_HOST (default unix:///run/berth/berth.sock), and for
// tcp:// hosts mutual TLS from --tlscacert/--tlscert/--tlskey or the files
// ca.pem, cert.pem and key.pem in BERTH_CERT_PATH (default ~/.berth). Each
// BERTH_ variable falls back to its DOCKER_ twin.

#include <memory>
#include <string>

#include <grpcpp/channel.h>

#include "absl/status/statusor.h"

namespace berth::cli {

inline constexpr char kDefaultHost[] = "unix:///run/berth/berth.sock";

struct ConnectionOptions {
  std::string host;
  bool tls = false;
  bool tlsverify = false;
  std::string tlscacert;
  std::string tlscert;
  std::string tlskey;
};

// BERTH_<suffix> from the environment, or DOCKER_<suffix> when that is
// unset or empty, so that a docker user's environment just works.
std::string BerthOrDockerEnv(const std::string& suffix);

// Fills what the user left unset from the environment and defaults.
ConnectionOptions ResolveConnection(ConnectionOptions flags);

absl::StatusOr<std::shared_ptr<grpc::Channel>> Dial(const ConnectionOptions& options);

}  // namespace berth::cli

#endif  // BERTH_CLI_CONNECTION_H_
