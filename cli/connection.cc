#include "cli/connection.h"

#include <cstdlib>
#include <fstream>
#include <sstream>

#include <grpcpp/create_channel.h>
#include <grpcpp/security/credentials.h>
#include <grpcpp/support/channel_arguments.h>

#include "absl/strings/match.h"
#include "absl/strings/str_cat.h"
#include "absl/strings/strip.h"

namespace berth::cli {
namespace {

std::string Env(const char* name) {
  const char* value = std::getenv(name);
  return value ? value : "";
}

absl::StatusOr<std::string> ReadPem(const std::string& path, const std::string& what) {
  std::ifstream in(path);
  if (!in) {
    return absl::NotFoundError(absl::StrCat("could not read ", what, " \"", path, "\""));
  }
  std::stringstream buffer;
  buffer << in.rdbuf();
  return buffer.str();
}

}  // namespace

std::string BerthOrDockerEnv(const std::string& suffix) {
  std::string value = Env(("BERTH_" + suffix).c_str());
  return value.empty() ? Env(("DOCKER_" + suffix).c_str()) : value;
}

ConnectionOptions ResolveConnection(ConnectionOptions options) {
  if (options.host.empty()) options.host = BerthOrDockerEnv("HOST");
  if (options.host.empty()) options.host = kDefaultHost;
  if (!BerthOrDockerEnv("TLS_VERIFY").empty()) options.tlsverify = true;
  if (options.tlsverify) options.tls = true;
  std::string env_cert_path = BerthOrDockerEnv("CERT_PATH");
  std::string cert_path = env_cert_path.empty() ? Env("HOME") + "/.berth" : env_cert_path;
  if (options.tlscacert.empty()) options.tlscacert = cert_path + "/ca.pem";
  if (options.tlscert.empty()) options.tlscert = cert_path + "/cert.pem";
  if (options.tlskey.empty()) options.tlskey = cert_path + "/key.pem";
  // A cert path in the environment means the user wants TLS, as with docker.
  if (!env_cert_path.empty()) options.tls = true;
  return options;
}

absl::StatusOr<std::shared_ptr<grpc::Channel>> Dial(const ConnectionOptions& options) {
  grpc::ChannelArguments args;
  args.SetMaxReceiveMessageSize(64 << 20);
  args.SetMaxSendMessageSize(64 << 20);
  absl::string_view host(options.host);
  if (absl::StartsWith(host, "unix://")) {
    return grpc::CreateCustomChannel(options.host, grpc::InsecureChannelCredentials(), args);
  }
  if (!absl::ConsumePrefix(&host, "tcp://")) {
    return absl::InvalidArgumentError(
        absl::StrCat("invalid host \"", options.host, "\": want unix:///path or tcp://host:port"));
  }
  std::string address(host);
  if (address.find(':') == std::string::npos) {
    absl::StrAppend(&address, options.tls ? ":2376" : ":2375");
  }
  if (!options.tls) {
    return grpc::CreateCustomChannel(address, grpc::InsecureChannelCredentials(), args);
  }
  grpc::SslCredentialsOptions ssl;
  auto ca = ReadPem(options.tlscacert, "CA certificate");
  if (!ca.ok()) return ca.status();
  ssl.pem_root_certs = *ca;
  auto cert = ReadPem(options.tlscert, "client certificate");
  auto key = ReadPem(options.tlskey, "client key");
  // Without a client certificate the daemon refuses the connection; still
  // try, so that the user sees the daemon's answer.
  if (cert.ok() && key.ok()) {
    ssl.pem_cert_chain = *cert;
    ssl.pem_private_key = *key;
  } else if (options.tlsverify) {
    return cert.ok() ? key.status() : cert.status();
  }
  return grpc::CreateCustomChannel(address, grpc::SslCredentials(ssl), args);
}

}  // namespace berth::cli
