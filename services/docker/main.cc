// berth-dockerapi: the Docker Engine API front door. HTTP on its own unix
// socket (daemon.json "docker-socket") and the endpoints of "docker-hosts"
// (TCP with mutual TLS, /var/run/docker.sock), translated to the images,
// snapshots, tasks and network services' gRPC APIs; supervised by berthd
// like every service, with the frame's health and metrics socket beside.

#include <unistd.h>

#include <chrono>
#include <memory>

#include "absl/strings/match.h"
#include "absl/strings/str_cat.h"
#include "services/common/base/log.h"
#include "services/common/base/version.h"
#include "services/common/http/listen.h"
#include "services/common/server/service_main.h"
#include "services/berthd/audit_log.h"
#include "services/docker/access.h"
#include "services/docker/backends.h"
#include "services/docker/endpoints.h"
#include "services/docker/http_metrics.h"
#include "services/docker/router.h"
#include "services/docker/routes.h"

namespace {

// Alive for the whole process: connection threads use them until exit.
std::unique_ptr<berth::docker::Backends> g_backends;
std::unique_ptr<berth::docker::Router> g_router;
std::unique_ptr<berth::berthd::AuditLog> g_audit;
std::unique_ptr<berth::docker::AccessControl> g_access;
std::unique_ptr<berth::docker::HttpMetrics> g_metrics;
std::vector<std::unique_ptr<berth::http::HttpServer>> g_servers;
// The unix sockets this process made, removed when it stops, as the
// frame removes its gRPC socket.
std::vector<std::string> g_unix_sockets;

std::string DaemonSocket(const berth::config::DaemonConfig& config) {
  for (const std::string& host : config.hosts) {
    if (absl::StartsWith(host, "unix://")) return host.substr(7);
  }
  return config.exec_root + "/berth.sock";
}

}  // namespace

int main(int argc, char** argv) {
  berth::server::ServiceDefinition definition;
  definition.name = "dockerapi";
  definition.keeps_data = false;
  definition.make_services = [](berth::server::ServiceContext& context)
      -> absl::StatusOr<std::vector<std::unique_ptr<grpc::Service>>> {
    std::vector<std::unique_ptr<grpc::Service>> none;
    const berth::config::DaemonConfig& config = context.config;
    auto endpoints = berth::docker::ParseDockerEndpoints(config);
    if (!endpoints.ok()) return endpoints.status();
    if (endpoints->empty()) {
      BERTH_LOG(Info) << "docker api: off (docker-socket is empty)";
      return none;
    }
    g_backends = berth::docker::Backends::Connect(config.exec_root, DaemonSocket(config));
    g_router = std::make_unique<berth::docker::Router>();
    berth::docker::AddSystemRoutes(*g_router, *g_backends);
    berth::docker::AddContainerRoutes(*g_router, *g_backends);
    berth::docker::AddContainerChangeRoutes(*g_router, *g_backends);
    berth::docker::AddStreamRoutes(*g_router, *g_backends);
    berth::docker::AddExecRoutes(*g_router, *g_backends);
    berth::docker::AddImageRoutes(*g_router, *g_backends);
    berth::docker::AddVolumeRoutes(*g_router, *g_backends);
    berth::docker::AddNetworkRoutes(*g_router, *g_backends);
    berth::docker::AddSystemStreamRoutes(*g_router, *g_backends);
    berth::docker::AddTransferRoutes(*g_router, *g_backends);
    berth::docker::AddBuildRoutes(*g_router, *g_backends);
    // Bodies of any size go on to the services as they arrive.
    g_router->StreamBody("POST", "/images/load");
    g_router->StreamBody("POST", "/images/create");
    g_router->StreamBody("PUT", "/containers/{id}/archive");
    g_router->StreamBody("POST", "/build");

    // The same audit log as berthd's (one O_APPEND write per record).
    std::string audit_path =
        config.audit_log.empty() ? config.data_root + "/audit.log" : config.audit_log;
    auto audit = berth::berthd::AuditLog::Open(audit_path);
    if (!audit.ok()) return audit.status();
    g_audit = *std::move(audit);
    g_access = std::make_unique<berth::docker::AccessControl>(
        g_router.get(), g_audit.get(),
        berth::docker::AccessOptions{config.authorization_roles, config.insecure_tcp});

    g_metrics = std::make_unique<berth::docker::HttpMetrics>(*context.registry, *g_router);

    berth::http::HttpServerOptions options;
    // Other bodies are JSON, held whole: up to 1 GiB.
    options.max_body_bytes = size_t{1} << 30;
    options.common_headers = {{"Api-Version", berth::docker::kMaxApiVersion},
                              {"Docker-Experimental", "false"},
                              {"Ostype", "linux"},
                              {"Server", absl::StrCat("berth/", berth::kVersion, " (linux)")}};
    options.admit = [](const berth::http::HttpRequest& request) {
      return g_access->Admit(request);
    };
    options.streams_body = [](const berth::http::HttpRequest& request) {
      return g_router->StreamsBody(request);
    };
    auto handler = [](const berth::http::HttpRequest& request) {
      auto start = std::chrono::steady_clock::now();
      berth::http::HttpResponse response = g_router->Dispatch(request);
      g_access->Record(request, response);
      std::chrono::duration<double> elapsed = std::chrono::steady_clock::now() - start;
      g_metrics->Observe(request, response.status, elapsed.count());
      return response;
    };
    for (const berth::docker::DockerEndpoint& endpoint : *endpoints) {
      berth::http::HttpServerOptions endpoint_options = options;
      absl::StatusOr<int> fd;
      std::string uri = absl::StrCat(endpoint.scheme, "://", endpoint.address);
      if (endpoint.scheme == "tcp") {
        if (endpoint.tls) {
          auto files = berth::docker::ReadTlsFiles(config);
          if (!files.ok()) return files.status();
          endpoint_options.tls_ca = files->ca;
          endpoint_options.tls_cert = files->cert;
          endpoint_options.tls_key = files->key;
        } else {
          BERTH_LOG(Warn) << "docker api: serving " << uri
                          << " WITHOUT TLS: anyone who can reach it controls this host";
        }
        fd = berth::http::ListenTcp(endpoint.address);
      } else {
        if (!endpoint.own_socket) {
          // Never take a socket over from a daemon that still serves it.
          if (absl::Status free = berth::docker::CheckUnixSocketFree(endpoint.address);
              !free.ok()) {
            BERTH_LOG(Error) << "docker api: not serving " << uri << ": " << free.message();
            continue;
          }
        }
        fd = berth::http::ListenUnix(endpoint.address, {"docker", "berth"});
        if (fd.ok()) g_unix_sockets.push_back(endpoint.address);
      }
      if (!fd.ok()) return fd.status();
      auto server = berth::http::HttpServer::Start(*fd, handler, std::move(endpoint_options));
      if (!server.ok()) return server.status();
      g_servers.push_back(*std::move(server));
      BERTH_LOG(Info) << "docker api: serving on " << uri << (endpoint.tls ? " (mutual TLS)" : "");
    }
    return none;
  };
  int rc = berth::server::RunService(argc, argv, definition);
  for (const std::string& path : g_unix_sockets) ::unlink(path.c_str());
  return rc;
}
