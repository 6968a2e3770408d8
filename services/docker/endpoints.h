#ifndef BERTH_SERVICES_DOCKER_ENDPOINTS_H_
#define BERTH_SERVICES_DOCKER_ENDPOINTS_H_

// Where the Docker Engine API listens: the docker-socket, and the extra
// endpoints of docker-hosts. TCP only with mutual TLS (the daemon's tls*
// keys, as berthd's -H), or the explicit insecure-tcp opt-in; an extra unix
// socket never replaces one that another daemon still serves.

#include <string>
#include <vector>

#include "absl/status/status.h"
#include "absl/status/statusor.h"
#include "services/common/config/daemon_config.h"

namespace berth::docker {

struct DockerEndpoint {
  // "unix" or "tcp".
  std::string scheme;
  // Socket path, or host:port.
  std::string address;
  // TCP with mutual TLS (false: unix, or TCP under insecure-tcp).
  bool tls = false;
  // The default docker-socket (berth's own path: replaced without a check).
  bool own_socket = false;
};

// Every endpoint, checked: a TCP one needs tlsverify with tlscacert,
// tlscert and tlskey (readable), or insecure-tcp.
absl::StatusOr<std::vector<DockerEndpoint>> ParseDockerEndpoints(const config::DaemonConfig& config);

// OK when a unix socket may be made at path: nothing there, or a socket no
// one answers on (left by a daemon that died). A live socket, or a file that
// is not a socket, is refused and left alone.
absl::Status CheckUnixSocketFree(const std::string& path);

// The PEM files of mutual TLS.
struct TlsFiles {
  std::string ca;
  std::string cert;
  std::string key;
};
absl::StatusOr<TlsFiles> ReadTlsFiles(const config::DaemonConfig& config);

}  // namespace berth::docker

#endif  // BERTH_SERVICES_DOCKER_ENDPOINTS_H_
