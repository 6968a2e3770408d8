#include "services/berthd/listeners.h"

#include <sys/stat.h>
#include <unistd.h>

#include <fstream>
#include <sstream>

#include <grpcpp/security/server_credentials.h>

#include "absl/strings/match.h"
#include "absl/strings/str_cat.h"
#include "absl/strings/strip.h"
#include "services/common/base/log.h"

namespace berth::berthd {
namespace {

absl::StatusOr<std::string> ReadFile(const std::string& path, const std::string& what) {
  std::ifstream in(path);
  if (!in) return absl::NotFoundError(absl::StrCat("cannot read ", what, " ", path));
  std::stringstream buffer;
  buffer << in.rdbuf();
  return buffer.str();
}

absl::StatusOr<std::shared_ptr<grpc::ServerCredentials>> MutualTls(
    const config::DaemonConfig& config) {
  if (config.tlscacert.empty() || config.tlscert.empty() || config.tlskey.empty()) {
    return absl::InvalidArgumentError(
        "--tlsverify needs --tlscacert, --tlscert and --tlskey");
  }
  auto ca = ReadFile(config.tlscacert, "CA certificate");
  if (!ca.ok()) return ca.status();
  auto cert = ReadFile(config.tlscert, "server certificate");
  if (!cert.ok()) return cert.status();
  auto key = ReadFile(config.tlskey, "server key");
  if (!key.ok()) return key.status();
  // Every client must present a certificate that the configured CA signed.
  grpc::SslServerCredentialsOptions options(
      GRPC_SSL_REQUEST_AND_REQUIRE_CLIENT_CERTIFICATE_AND_VERIFY);
  options.pem_root_certs = *ca;
  options.pem_key_cert_pairs.push_back({*key, *cert});
  return grpc::SslServerCredentials(options);
}

}  // namespace

absl::StatusOr<std::vector<Listener>> ParseListeners(const config::DaemonConfig& config) {
  std::vector<Listener> listeners;
  std::vector<std::string> hosts = config.hosts;
  if (hosts.empty()) hosts.push_back(absl::StrCat("unix://", config.exec_root, "/berth.sock"));
  for (const std::string& host : hosts) {
    absl::string_view rest(host);
    Listener listener;
    if (absl::ConsumePrefix(&rest, "unix://")) {
      if (rest.empty() || rest[0] != '/') {
        return absl::InvalidArgumentError(
            absl::StrCat("invalid host ", host, ": unix socket path must be absolute"));
      }
      listener.scheme = "unix";
      listener.address = std::string(rest);
      listener.grpc_uri = absl::StrCat("unix://", rest);
      listener.credentials = grpc::InsecureServerCredentials();
    } else if (absl::ConsumePrefix(&rest, "tcp://")) {
      listener.scheme = "tcp";
      std::string address(rest);
      if (address.empty()) {
        return absl::InvalidArgumentError(absl::StrCat("invalid host ", host, ": no address"));
      }
      size_t colon = address.rfind(':');
      size_t bracket = address.rfind(']');
      if (colon == std::string::npos || (bracket != std::string::npos && colon < bracket)) {
        absl::StrAppend(&address, config.tlsverify ? ":2376" : ":2375");
      }
      listener.address = address;
      listener.grpc_uri = address;
      if (config.tlsverify) {
        auto credentials = MutualTls(config);
        if (!credentials.ok()) return credentials.status();
        listener.credentials = *credentials;
      } else if (config.insecure_tcp) {
        BERTH_LOG(Warn) << "listening on " << host
                        << " WITHOUT TLS: anyone who can reach it controls this host";
        listener.credentials = grpc::InsecureServerCredentials();
      } else {
        return absl::InvalidArgumentError(absl::StrCat(
            "refusing to listen on ", host,
            " without mutual TLS: pass --tlsverify with --tlscacert, --tlscert and --tlskey "
            "(or --insecure-tcp to accept unauthenticated remote control)"));
      }
    } else {
      return absl::InvalidArgumentError(
          absl::StrCat("invalid host ", host, ": want unix:///path or tcp://host:port"));
    }
    listeners.push_back(std::move(listener));
  }
  return listeners;
}

}  // namespace berth::berthd
