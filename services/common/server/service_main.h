#ifndef BERTH_SERVICES_COMMON_SERVER_SERVICE_MAIN_H_
#define BERTH_SERVICES_COMMON_SERVER_SERVICE_MAIN_H_

// The process frame every berth service shares: flags, logging, its data
// directory, a gRPC server on <exec-root>/<name>.sock with the standard health
// service, server reflection, metrics (interceptor and the internal Scrape
// API), and a graceful stop on SIGTERM.

#include <functional>
#include <memory>
#include <string>
#include <vector>

#include <grpcpp/impl/service_type.h>

#include "absl/status/statusor.h"
#include "services/common/config/daemon_config.h"
#include "services/common/config/live_config.h"
#include "services/common/metrics/registry.h"

namespace berth::server {

struct ServiceContext {
  // Effective daemon configuration, as berthd handed it over.
  config::DaemonConfig config;
  // The same, with the keys a reload changes (SIGHUP from berthd after it
  // rewrote the file) kept current: read registry settings here.
  std::shared_ptr<config::LiveConfig> live;
  // <data-root>/<name>: the service's own files and database.
  std::string data_dir;
  // <exec-root>/<name>.sock
  std::string socket_path;
  metrics::Registry* registry = nullptr;
  // More unix sockets for the same server (the CRI's configured socket),
  // set by make_services: root only, as the main one, and removed on stop.
  std::vector<std::string> extra_sockets;
};

// What a service adds to the frame: its gRPC services, built once the data
// directory exists. They live until the server has stopped.
struct ServiceDefinition {
  // images, snapshots, tasks, network, dockerapi.
  std::string name;
  // Whether it has <data-root>/<name> (the Docker API front door keeps no
  // state of its own).
  bool keeps_data = true;
  std::function<absl::StatusOr<std::vector<std::unique_ptr<grpc::Service>>>(
      ServiceContext&)>
      make_services;
  // Runs on berthd's orderly stop (OrderlyStopMarker exists), while the
  // service still answers, before it stops serving. Not run when berthd was
  // killed (the kernel's parent-death signal) or a SIGTERM came from
  // elsewhere.
  std::function<void(ServiceContext&)> before_stop;
};

// Runs the service until SIGTERM or SIGINT; returns the process exit code.
// SIGHUP re-reads the --config file into the context's live configuration.
// Flags: --config FILE (effective daemon.json from berthd), --data-root DIR,
// --exec-root DIR, --log-level LEVEL; the directory flags override the file.
int RunService(int argc, char** argv, const ServiceDefinition& definition);

// unix://<exec-root>/<name>.sock
std::string ServiceSocketPath(const std::string& exec_root, const std::string& name);

}  // namespace berth::server

#endif  // BERTH_SERVICES_COMMON_SERVER_SERVICE_MAIN_H_
