#include "services/docker/endpoints.h"

#include <netdb.h>
#include <sys/socket.h>
#include <sys/stat.h>
#include <sys/un.h>

#include <cerrno>
#include <cstring>
#include <fstream>
#include <sstream>

#include "absl/strings/match.h"
#include "absl/strings/str_cat.h"
#include "services/common/base/log.h"
#include "services/common/base/unique_fd.h"

namespace berth::docker {
namespace {

absl::StatusOr<std::string> ReadPem(const std::string& path, const std::string& what) {
  std::ifstream in(path);
  if (!in) return absl::NotFoundError(absl::StrCat("cannot read ", what, " ", path));
  std::stringstream buffer;
  buffer << in.rdbuf();
  return buffer.str();
}

}  // namespace

absl::StatusOr<TlsFiles> ReadTlsFiles(const config::DaemonConfig& config) {
  if (config.tlscacert.empty() || config.tlscert.empty() || config.tlskey.empty()) {
    return absl::InvalidArgumentError("--tlsverify needs --tlscacert, --tlscert and --tlskey");
  }
  TlsFiles files;
  for (auto [path, what, out] : {std::tuple{&config.tlscacert, "CA certificate", &files.ca},
                                 {&config.tlscert, "server certificate", &files.cert},
                                 {&config.tlskey, "server key", &files.key}}) {
    auto pem = ReadPem(*path, what);
    if (!pem.ok()) return pem.status();
    *out = *std::move(pem);
  }
  return files;
}

absl::StatusOr<std::vector<DockerEndpoint>> ParseDockerEndpoints(
    const config::DaemonConfig& config) {
  std::vector<DockerEndpoint> endpoints;
  if (!config.docker_socket.empty()) {
    endpoints.push_back({"unix", config.docker_socket, false, true});
  }
  for (const std::string& host : config.docker_hosts) {
    DockerEndpoint endpoint;
    if (absl::StartsWith(host, "unix://")) {
      endpoint.scheme = "unix";
      endpoint.address = host.substr(7);
      if (endpoint.address == config.docker_socket) continue;
    } else if (absl::StartsWith(host, "tcp://")) {
      endpoint.scheme = "tcp";
      endpoint.address = host.substr(6);
      if (absl::StartsWith(endpoint.address, ":")) endpoint.address.insert(0, "0.0.0.0");
      if (config.tlsverify) {
        auto files = ReadTlsFiles(config);
        if (!files.ok()) return files.status();
        endpoint.tls = true;
      } else if (!config.insecure_tcp) {
        return absl::InvalidArgumentError(absl::StrCat(
            "refusing to serve the Docker API on ", host,
            " without mutual TLS: pass --tlsverify with --tlscacert, --tlscert and --tlskey "
            "(or --insecure-tcp to accept unauthenticated remote control)"));
      }
    } else {
      return absl::InvalidArgumentError(
          absl::StrCat("invalid docker host ", host, ": want unix:///path or tcp://host:port"));
    }
    endpoints.push_back(std::move(endpoint));
  }
  return endpoints;
}

absl::Status CheckUnixSocketFree(const std::string& path) {
  struct stat st {};
  if (::lstat(path.c_str(), &st) != 0) {
    if (errno == ENOENT) return absl::OkStatus();
    return absl::ErrnoToStatus(errno, absl::StrCat("stat ", path));
  }
  if (!S_ISSOCK(st.st_mode)) {
    return absl::FailedPreconditionError(
        absl::StrCat(path, " exists and is not a socket: not replacing it"));
  }
  sockaddr_un address{};
  address.sun_family = AF_UNIX;
  if (path.size() >= sizeof(address.sun_path)) {
    return absl::InvalidArgumentError(absl::StrCat("socket path too long: ", path));
  }
  std::memcpy(address.sun_path, path.c_str(), path.size() + 1);
  UniqueFd fd(::socket(AF_UNIX, SOCK_STREAM | SOCK_CLOEXEC, 0));
  if (!fd.valid()) return absl::ErrnoToStatus(errno, "socket");
  if (::connect(fd.get(), reinterpret_cast<sockaddr*>(&address), sizeof(address)) == 0) {
    return absl::FailedPreconditionError(absl::StrCat(
        "another daemon is serving ", path,
        " (a connection to it succeeded): not taking it over; stop that daemon or remove ",
        "unix://", path, " from docker-hosts"));
  }
  // ECONNREFUSED: a socket file that nothing listens on any more.
  return absl::OkStatus();
}

}  // namespace berth::docker
