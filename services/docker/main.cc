// berth-dockerapi: the Docker Engine API front door. HTTP on its own unix
// socket (daemon.json "docker-socket"), translated to the images,
// snapshots, tasks and network services' gRPC APIs; supervised by berthd
// like every service, with the frame's health and metrics socket beside.

#include <memory>

#include "absl/strings/match.h"
#include "absl/strings/str_cat.h"
#include "services/common/base/log.h"
#include "services/common/base/version.h"
#include "services/common/server/service_main.h"
#include "services/docker/backends.h"
#include "services/docker/router.h"
#include "services/docker/routes.h"

namespace {

// Alive for the whole process: connection threads use them until exit.
std::unique_ptr<berth::docker::Backends> g_backends;
std::unique_ptr<berth::docker::Router> g_router;
std::unique_ptr<berth::docker::HttpServer> g_server;

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
  definition.make_services = [](berth::server::ServiceContext& context)
      -> absl::StatusOr<std::vector<std::unique_ptr<grpc::Service>>> {
    std::vector<std::unique_ptr<grpc::Service>> none;
    const std::string& socket = context.config.docker_socket;
    if (socket.empty()) {
      BERTH_LOG(Info) << "docker api: off (docker-socket is empty)";
      return none;
    }
    g_backends = berth::docker::Backends::Connect(context.config.exec_root,
                                                  DaemonSocket(context.config));
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
    auto fd = berth::docker::ListenUnix(socket, {"docker", "berth"});
    if (!fd.ok()) return fd.status();
    berth::docker::HttpServerOptions options;
    // Bodies are held whole (load, import, cp into a container): up to 1 GiB.
    options.max_body_bytes = size_t{1} << 30;
    options.common_headers = {{"Api-Version", berth::docker::kMaxApiVersion},
                              {"Docker-Experimental", "false"},
                              {"Ostype", "linux"},
                              {"Server", absl::StrCat("berth/", berth::kVersion, " (linux)")}};
    auto server = berth::docker::HttpServer::Start(
        *fd, [](const berth::docker::HttpRequest& request) { return g_router->Dispatch(request); },
        options);
    if (!server.ok()) return server.status();
    g_server = *std::move(server);
    BERTH_LOG(Info) << "docker api: serving on unix://" << socket;
    return none;
  };
  return berth::server::RunService(argc, argv, definition);
}
