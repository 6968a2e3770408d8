#include "services/common/server/service_main.h"

#include <sys/stat.h>
#include <unistd.h>

#include <chrono>
#include <csignal>
#include <cstdio>
#include <memory>
#include <string>

#include <grpcpp/ext/proto_server_reflection_plugin.h>
#include <grpcpp/health_check_service_interface.h>
#include <grpcpp/security/server_credentials.h>
#include <grpcpp/server.h>
#include <grpcpp/server_builder.h>

#include "CLI/CLI.hpp"
#include "absl/strings/str_cat.h"
#include "services/common/base/log.h"
#include "services/common/base/version.h"
#include "services/common/fs/fs_util.h"
#include "services/common/metrics/grpc_interceptor.h"
#include "services/common/metrics/scrape_service.h"
#include "services/common/server/signals.h"

namespace berth::server {
std::string ServiceSocketPath(const std::string& exec_root, const std::string& name) {
  return absl::StrCat(exec_root, "/", name, ".sock");
}

namespace {

void ApplyLogLevel(const config::DaemonConfig& config) {
  log::Level level;
  if (config.debug) {
    log::SetLevel(log::Level::kDebug);
  } else if (log::ParseLevel(config.log_level, &level)) {
    log::SetLevel(level);
  }
}

// berthd validated and rewrote the file before signalling: take its live
// keys.
void Reload(const std::string& path, config::LiveConfig* live) {
  auto loaded = config::LoadDaemonConfigFile(path, /*must_exist=*/true);
  if (!loaded.ok()) {
    BERTH_LOG(Error) << "reload: " << loaded.status().message();
    return;
  }
  config::Reload reload = config::ApplyReload(*live->Get(), *loaded);
  ApplyLogLevel(reload.config);
  live->Set(std::move(reload.config));
  BERTH_LOG(Info) << "configuration reloaded";
}

}  // namespace

int RunService(int argc, char** argv, const ServiceDefinition& definition) {
  BlockSignals({SIGTERM, SIGINT, SIGHUP, SIGPIPE});
  log::SetComponent(definition.name);

  CLI::App app{absl::StrCat("berth ", definition.name, " service")};
  std::string config_path, data_root, exec_root, log_level;
  app.add_option("--config", config_path, "effective daemon.json written by berthd");
  app.add_option("--data-root", data_root, "root of persistent state");
  app.add_option("--exec-root", exec_root, "root of runtime state (sockets)");
  app.add_option("--log-level", log_level, "debug, info, warn, error, fatal");
  bool show_version = false;
  app.add_flag("-v,--version", show_version, "print the version and exit");
  try {
    app.parse(argc, argv);
  } catch (const CLI::ParseError& e) {
    return app.exit(e);
  }
  if (show_version) {
    std::printf("berth-%s version %s\n", definition.name.c_str(), kVersion);
    return 0;
  }

  ServiceContext context;
  if (!config_path.empty()) {
    auto loaded = config::LoadDaemonConfigFile(config_path, /*must_exist=*/true);
    if (!loaded.ok()) {
      BERTH_LOG(Error) << loaded.status().message();
      return 1;
    }
    context.config = *std::move(loaded);
  }
  if (!data_root.empty()) context.config.data_root = data_root;
  if (!exec_root.empty()) context.config.exec_root = exec_root;
  if (!log_level.empty()) context.config.log_level = log_level;
  ApplyLogLevel(context.config);
  context.live = std::make_shared<config::LiveConfig>(context.config);

  context.data_dir = absl::StrCat(context.config.data_root, "/", definition.name);
  context.socket_path = ServiceSocketPath(context.config.exec_root, definition.name);
  context.registry = &metrics::Registry::Default();
  for (const auto& [dir, mode] :
       {std::pair{context.config.data_root, 0711}, {context.data_dir, 0700},
        {context.config.exec_root, 0711}}) {
    if (dir == context.data_dir && !definition.keeps_data) continue;
    absl::Status status = fs::MakeDirectories(dir, mode);
    if (!status.ok()) {
      BERTH_LOG(Error) << status.message();
      return 1;
    }
  }

  auto services = definition.make_services(context);
  if (!services.ok()) {
    BERTH_LOG(Error) << "start " << definition.name << ": " << services.status().message();
    return 1;
  }

  grpc::EnableDefaultHealthCheckService(true);
  grpc::reflection::InitProtoReflectionServerBuilderPlugin();
  metrics::ScrapeService scrape(*context.registry);

  // A previous instance that was killed leaves its socket behind; berthd runs
  // one instance per exec-root, so the old file is ours to replace.
  ::unlink(context.socket_path.c_str());
  grpc::ServerBuilder builder;
  builder.AddListeningPort(absl::StrCat("unix://", context.socket_path),
                           grpc::InsecureServerCredentials());
  for (const std::string& extra : context.extra_sockets) {
    ::unlink(extra.c_str());
    builder.AddListeningPort(absl::StrCat("unix://", extra), grpc::InsecureServerCredentials());
  }
  for (auto& service : *services) builder.RegisterService(service.get());
  builder.RegisterService(&scrape);
  std::vector<std::unique_ptr<grpc::experimental::ServerInterceptorFactoryInterface>>
      interceptors;
  interceptors.push_back(metrics::MakeServerMetricsInterceptorFactory(*context.registry));
  builder.experimental().SetInterceptorCreators(std::move(interceptors));

  // Only root (and berthd) may talk to a service directly; clients go
  // through berthd, which authorises them.
  mode_t old_umask = ::umask(0177);
  std::unique_ptr<grpc::Server> server = builder.BuildAndStart();
  ::umask(old_umask);
  if (server == nullptr) {
    BERTH_LOG(Error) << "cannot listen on unix://" << context.socket_path;
    return 1;
  }
  server->GetHealthCheckService()->SetServingStatus(true);
  struct stat socket_stat {};
  ::stat(context.socket_path.c_str(), &socket_stat);
  BERTH_LOG(Info) << "berth-" << definition.name << " " << kVersion << " serving on unix://"
                  << context.socket_path;

  int sig;
  while ((sig = WaitForSignal({SIGTERM, SIGINT, SIGHUP})) == SIGHUP) {
    if (!config_path.empty()) Reload(config_path, context.live.get());
  }
  BERTH_LOG(Info) << "received signal " << sig << ", stopping";
  if (definition.before_stop &&
      ::access(OrderlyStopMarker(context.config.exec_root).c_str(), F_OK) == 0) {
    definition.before_stop(context);
  }
  server->GetHealthCheckService()->SetServingStatus(false);
  // Calls in flight get a few seconds to finish; streams (events, logs -f)
  // are cancelled at the deadline.
  server->Shutdown(std::chrono::system_clock::now() + std::chrono::seconds(5));
  server->Wait();
  // Only our own socket: when berthd died and a new one started this
  // service again meanwhile, the path is the new instance's.
  struct stat now {};
  if (::stat(context.socket_path.c_str(), &now) == 0 && now.st_ino == socket_stat.st_ino) {
    ::unlink(context.socket_path.c_str());
  }
  for (const std::string& extra : context.extra_sockets) ::unlink(extra.c_str());
  BERTH_LOG(Info) << "stopped";
  return 0;
}

}  // namespace berth::server
