// berthd: supervises berth's service processes and serves the one client
// endpoint (unix socket, and TCP with mutual TLS), forwarding each call to
// the service that owns it.

#include <fcntl.h>
#include <limits.h>
#include <sys/file.h>
#include <sys/stat.h>
#include <unistd.h>

#include <cstdio>
#include <fstream>
#include <memory>
#include <random>
#include <set>
#include <string>

#include <google/protobuf/descriptor.h>
#include <grpcpp/ext/proto_server_reflection_plugin.h>
#include <grpcpp/health_check_service_interface.h>
#include <grpcpp/server.h>
#include <grpcpp/server_builder.h>

#include "services/common/base/self_path.h"
#include "CLI/CLI.hpp"
#include "absl/strings/str_cat.h"
#include "absl/strings/str_format.h"
#include "services/berthd/audit_log.h"
#include "services/docker/endpoints.h"
#include "services/berthd/backends.h"
#include "services/berthd/cgroup_settings.h"
#include "services/berthd/listeners.h"
#include "services/common/base/unix_socket.h"
#include "services/berthd/metrics_endpoint.h"
#include "services/berthd/proxy.h"
#include "services/berthd/supervisor.h"
#include "services/berthd/system_service.h"
#include "services/common/base/log.h"
#include "services/common/base/version.h"
#include "services/common/config/daemon_config.h"
#include "services/common/config/live_config.h"
#include "services/common/fs/fs_util.h"
#include "services/common/metrics/grpc_interceptor.h"
#include "services/common/server/signals.h"
#include "services/common/userns/remap.h"

namespace berth::berthd {
namespace {

// dockerapi is the Docker Engine API front door: a service like the others
// (supervised, restarted, its own process), with no store of its own.
// cri is the Kubernetes CRI (runtime.v1) for a kubelet, likewise a client
// of the four; builder makes images from Dockerfiles, a client of images,
// snapshots and tasks with the build cache as its own store.
constexpr const char* kServices[] = {"images", "snapshots", "tasks", "network", "dockerapi",
                                     "cri", "builder"};

// Writes a file whole or not at all: temp file, fsync, rename.
absl::Status WriteFileAtomically(const std::string& path, const std::string& data, mode_t mode) {
  std::string temp = path + ".tmp";
  int fd = ::open(temp.c_str(), O_WRONLY | O_CREAT | O_TRUNC | O_CLOEXEC, mode);
  if (fd < 0) return absl::ErrnoToStatus(errno, absl::StrCat("create ", temp));
  bool ok = ::write(fd, data.data(), data.size()) == static_cast<ssize_t>(data.size()) &&
            ::fsync(fd) == 0;
  int saved = errno;
  ::close(fd);
  if (!ok) return absl::ErrnoToStatus(saved, absl::StrCat("write ", temp));
  if (::rename(temp.c_str(), path.c_str()) != 0) {
    return absl::ErrnoToStatus(errno, absl::StrCat("rename ", temp));
  }
  return absl::OkStatus();
}

// The daemon's stable identity, created once per data root (docker's ID).
std::string DaemonId(const std::string& data_root) {
  std::string path = data_root + "/engine-id";
  std::ifstream in(path);
  std::string id;
  if (in && std::getline(in, id) && !id.empty()) return id;
  std::random_device random;
  id = absl::StrFormat("%08x-%04x-%04x-%04x-%08x%04x", random(), random() & 0xffff,
                       (random() & 0x0fff) | 0x4000, (random() & 0x3fff) | 0x8000, random(),
                       random() & 0xffff);
  (void)WriteFileAtomically(path, id + "\n", 0644);
  return id;
}

// One berthd per exec-root: a second one would fight over the sockets.
absl::StatusOr<int> LockPidFile(const std::string& path) {
  int fd = ::open(path.c_str(), O_RDWR | O_CREAT | O_CLOEXEC, 0644);
  if (fd < 0) return absl::ErrnoToStatus(errno, absl::StrCat("open ", path));
  if (::flock(fd, LOCK_EX | LOCK_NB) != 0) {
    char buffer[32] = {};
    ssize_t n = ::read(fd, buffer, sizeof(buffer) - 1);
    ::close(fd);
    return absl::FailedPreconditionError(
        absl::StrCat("another berthd is running with this exec-root (pid file ", path,
                     n > 0 ? ", pid " + std::string(buffer, n - (buffer[n - 1] == '\n')) : "",
                     ")"));
  }
  std::string pid = absl::StrCat(::getpid(), "\n");
  if (::ftruncate(fd, 0) != 0 || ::pwrite(fd, pid.data(), pid.size(), 0) < 0) {
    ::close(fd);
    return absl::ErrnoToStatus(errno, absl::StrCat("write ", path));
  }
  return fd;
}

// daemon.json with the flags over it, validated, the cgroup driver
// resolved: at start, and again for each reload.
absl::StatusOr<config::DaemonConfig> LoadEffectiveConfig(const std::string& path, bool must_exist,
                                                         const config::DaemonConfig& flags,
                                                         const std::set<std::string>& flags_set) {
  auto loaded = config::LoadDaemonConfigFile(path, must_exist);
  if (!loaded.ok()) return loaded.status();
  config::DaemonConfig config = *std::move(loaded);
  if (absl::Status merged = config::MergeFlags(flags, flags_set, &config); !merged.ok()) {
    return merged;
  }
  // Re-validate the merged result (flags are checked with the same rules).
  auto checked = config::ParseDaemonConfig(config::ToJson(config), "configuration");
  if (!checked.ok()) return checked.status();
  if (config.tlsverify) config.tls = true;
  if (config.keys_set.count("docker-socket") == 0 && flags_set.count("docker-socket") == 0) {
    config.docker_socket = config.exec_root + "/docker.sock";
  }
  if (config.keys_set.count("cri-socket") == 0 && flags_set.count("cri-socket") == 0) {
    config.cri_socket = config.exec_root + "/cri.sock";
  }
  if (config.keys_set.count("cri-stream-address") == 0 &&
      flags_set.count("cri-stream-address") == 0) {
    config.cri_stream_address = "127.0.0.1:0";
  }
  if (absl::Status status =
          ResolveCgroupDriver(&config, berth::SelfDirectory() + "/berth-systemd-scope");
      !status.ok()) {
    return status;
  }
  return config;
}

void ApplyLogLevel(const config::DaemonConfig& config) {
  log::Level level;
  if (config.debug) {
    log::SetLevel(log::Level::kDebug);
  } else if (log::ParseLevel(config.log_level, &level)) {
    log::SetLevel(level);
  }
}

int Fail(const absl::Status& status) {
  std::fprintf(stderr, "berthd: %s\n", std::string(status.message()).c_str());
  return 1;
}

int Run(int argc, char** argv) {
  server::BlockSignals({SIGTERM, SIGINT, SIGCHLD, SIGHUP, SIGPIPE});
  log::SetComponent("berthd");

  CLI::App app{"berthd: the berth container platform daemon"};
  config::DaemonConfig flags;
  std::string config_file = "/etc/berth/daemon.json";
  app.add_option("--data-root", flags.data_root, "Root directory of persistent berth state")
      ->capture_default_str();
  app.add_option("--exec-root", flags.exec_root, "Root directory for execution state files")
      ->capture_default_str();
  auto* config_option = app.add_option("--config-file", config_file, "Daemon configuration file")
                            ->capture_default_str();
  app.add_option("-H,--host", flags.hosts, "Daemon socket(s) to connect to");
  app.add_flag("--tls", flags.tls, "Use TLS; implied by --tlsverify");
  app.add_flag("--tlsverify", flags.tlsverify, "Use TLS and verify the remote");
  app.add_option("--tlscacert", flags.tlscacert, "Trust certs signed only by this CA");
  app.add_option("--tlscert", flags.tlscert, "Path to TLS certificate file");
  app.add_option("--tlskey", flags.tlskey, "Path to TLS key file");
  app.add_flag("--insecure-tcp", flags.insecure_tcp,
               "Allow tcp:// hosts without TLS (anyone who reaches them is admin)");
  app.add_option("--metrics-addr", flags.metrics_addr,
                 "Set default address and port to serve the metrics api on")
      ->capture_default_str();
  app.add_option("-l,--log-level", flags.log_level,
                 "Set the logging level (debug, info, warn, error, fatal)")
      ->capture_default_str();
  app.add_flag("-D,--debug", flags.debug, "Enable debug mode");
  app.add_option("--label", flags.labels, "Set key=value labels to the daemon");
  app.add_option("--registry-mirror", flags.registry_mirrors, "Preferred registry mirror");
  app.add_option("--insecure-registry", flags.insecure_registries,
                 "Enable insecure registry communication");
  app.add_option("-s,--storage-driver", flags.storage_driver, "Storage driver to use")
      ->capture_default_str();
  app.add_option("--userns-remap", flags.userns_remap, "User/Group setting for user namespaces");
  app.add_option("--bip", flags.bip, "Specify network bridge IP");
  app.add_option("--docker-socket", flags.docker_socket,
                 "Serve the Docker Engine API on this unix socket (\"\" turns it off)");
  app.add_option("--cri-socket", flags.cri_socket,
                 "Serve the Kubernetes CRI on this unix socket (\"\" turns it off)");
  app.add_option("--cri-stream-address", flags.cri_stream_address,
                 "The CRI streaming server's host:port (exec, attach, port-forward; "
                 "\"\" turns it off)");
  app.add_option("--docker-host", flags.docker_hosts,
                 "Also serve the Docker Engine API on tcp://host:port (mutual TLS) or "
                 "unix:///path (e.g. /var/run/docker.sock)");
  app.add_option("--max-concurrent-downloads", flags.max_concurrent_downloads,
                 "Set the max concurrent downloads")
      ->capture_default_str();
  app.add_option("--max-concurrent-uploads", flags.max_concurrent_uploads,
                 "Set the max concurrent uploads")
      ->capture_default_str();
  app.add_option("--shutdown-timeout", flags.shutdown_timeout,
                 "Set the default shutdown timeout")
      ->capture_default_str();
  // --live-restore=false, as dockerd's boolean flags take a value.
  app.add_flag("--live-restore", flags.live_restore,
               "Keep containers running while berthd is down (default true)");
  bool validate = false;
  app.add_flag("--validate", validate, "Validate daemon configuration and exit");
  bool show_version = false;
  app.add_flag("-v,--version", show_version, "Print version information and quit");
  try {
    app.parse(argc, argv);
  } catch (const CLI::ParseError& e) {
    return app.exit(e);
  }
  if (show_version) {
    std::printf("berthd version %s, API %s\n", kVersion, kApiVersion);
    return 0;
  }

  // Flags the user gave, by their daemon.json names, for dockerd's rule
  // that one setting may not come from both places.
  std::set<std::string> flags_set;
  const std::pair<const char*, const char*> kFlagKeys[] = {
      {"--data-root", "data-root"},     {"--exec-root", "exec-root"},
      {"--host", "hosts"},              {"--tls", "tls"},
      {"--tlsverify", "tlsverify"},     {"--tlscacert", "tlscacert"},
      {"--tlscert", "tlscert"},         {"--tlskey", "tlskey"},
      {"--insecure-tcp", "insecure-tcp"}, {"--metrics-addr", "metrics-addr"},
      {"--log-level", "log-level"},     {"--debug", "debug"},
      {"--label", "labels"},
      {"--registry-mirror", "registry-mirrors"},
      {"--insecure-registry", "insecure-registries"},
      {"--docker-socket", "docker-socket"},
      {"--cri-socket", "cri-socket"},
      {"--cri-stream-address", "cri-stream-address"},
      {"--docker-host", "docker-hosts"},
      {"--storage-driver", "storage-driver"}, {"--userns-remap", "userns-remap"},
      {"--bip", "bip"},
      {"--max-concurrent-downloads", "max-concurrent-downloads"},
      {"--max-concurrent-uploads", "max-concurrent-uploads"},
      {"--shutdown-timeout", "shutdown-timeout"},
      {"--live-restore", "live-restore"}};
  for (const auto& [flag, key] : kFlagKeys) {
    if (app.count(flag) > 0) flags_set.insert(key);
  }

  bool must_exist = config_option->count() > 0;
  auto loaded = LoadEffectiveConfig(config_file, must_exist, flags, flags_set);
  if (!loaded.ok()) return Fail(loaded.status());
  config::DaemonConfig config = *std::move(loaded);
  // userns-remap: containers' root is an unprivileged host user. "default"
  // makes berth's own user first (as dockerd makes dockremap); any setting
  // must resolve to ranges, or berthd does not start.
  if (!config.userns_remap.empty()) {
    if (config.userns_remap == "default" && !validate) {
      if (absl::Status status = userns::EnsureDefaultRemapUser(); !status.ok()) return Fail(status);
    }
    auto remap = userns::ResolveRemap(config.userns_remap);
    if (!remap.ok()) return Fail(remap.status());
  }
  auto listeners = ParseListeners(config);
  if (!listeners.ok()) return Fail(listeners.status());
  // The Docker API's endpoints, by the same TLS rules; a socket another
  // daemon serves (dockerd's /var/run/docker.sock) is never taken over.
  auto docker_endpoints = docker::ParseDockerEndpoints(config);
  if (!docker_endpoints.ok()) return Fail(docker_endpoints.status());
  for (const docker::DockerEndpoint& endpoint : *docker_endpoints) {
    if (endpoint.scheme != "unix" || endpoint.own_socket) continue;
    if (absl::Status free = docker::CheckUnixSocketFree(endpoint.address); !free.ok()) {
      return Fail(absl::FailedPreconditionError(
          absl::StrCat("docker-hosts: ", free.message())));
    }
  }
  if (validate) {
    std::printf("configuration OK\n");
    return 0;
  }

  ApplyLogLevel(config);

  for (const auto& [dir, mode] : {std::pair{config.data_root, 0711}, {config.exec_root, 0711}}) {
    if (absl::Status status = fs::MakeDirectories(dir, mode); !status.ok()) return Fail(status);
  }
  auto pid_fd = LockPidFile(config.exec_root + "/berthd.pid");
  if (!pid_fd.ok()) return Fail(pid_fd.status());
  // A berthd killed while it stopped may have left it.
  ::unlink(server::OrderlyStopMarker(config.exec_root).c_str());

  // The services read the effective configuration from one file.
  std::string effective_config = config.exec_root + "/daemon.json";
  if (absl::Status status = WriteFileAtomically(effective_config, config::ToJson(config), 0600);
      !status.ok()) {
    return Fail(status);
  }
  std::string audit_path =
      config.audit_log.empty() ? config.data_root + "/audit.log" : config.audit_log;
  auto audit = AuditLog::Open(audit_path);
  if (!audit.ok()) return Fail(audit.status());

  metrics::Registry& registry = metrics::Registry::Default();
  registry.Gauge("berth_build_info", "berth version, as a label.", {"version", "api_version"})
      .WithLabels({kVersion, kApiVersion})
      .Set(1);

  Backends backends;
  std::string bin_dir = berth::SelfDirectory();
  std::vector<ServiceSpec> specs;
  for (const char* name : kServices) {
    ServiceSpec spec;
    spec.name = name;
    spec.binary = absl::StrCat(bin_dir, "/berth-", name);
    spec.args = {"--config", effective_config};
    spec.socket_path = absl::StrCat(config.exec_root, "/", name, ".sock");
    specs.push_back(std::move(spec));
  }
  Supervisor supervisor(std::move(specs), &backends, &registry);
  BERTH_LOG(Info) << "berthd " << kVersion << " starting (data-root " << config.data_root
                  << ", exec-root " << config.exec_root << ")";
  if (absl::Status status = supervisor.StartAll(absl::Seconds(30)); !status.ok()) {
    supervisor.StopAll(absl::Seconds(5));
    return Fail(status);
  }

  // berthd's own API runs on an in-process server so that its calls pass
  // through the same proxy, authorisation and audit as every other call.
  // What a reload changes (debug, labels, registries...): berthd's info
  // reads it here; the services re-read the effective file on SIGHUP.
  config::LiveConfig live(config);
  auto reload = [&] {
    auto next = LoadEffectiveConfig(config_file, must_exist, flags, flags_set);
    if (!next.ok()) {
      BERTH_LOG(Error) << "Error reconfiguring the daemon: " << next.status().message();
      return;
    }
    config::Reload result = config::ApplyReload(*live.Get(), *next);
    for (const std::string& key : result.need_restart) {
      BERTH_LOG(Warn) << "configuration: \"" << key
                      << "\" changed but cannot be reloaded: restart berthd to apply it";
    }
    if (absl::Status status =
            WriteFileAtomically(effective_config, config::ToJson(result.config), 0600);
        !status.ok()) {
      BERTH_LOG(Error) << "Error reconfiguring the daemon: " << status.message();
      return;
    }
    ApplyLogLevel(result.config);
    live.Set(result.config);
    supervisor.SignalRunning(SIGHUP);
    BERTH_LOG(Info) << "Reloaded configuration: " << config::ChangedKeysJson(result);
  };
  SystemService system(&live, &supervisor, &backends, DaemonId(config.data_root));
  grpc::ServerBuilder internal_builder;
  internal_builder.RegisterService(&system);
  std::unique_ptr<grpc::Server> internal = internal_builder.BuildAndStart();
  backends.Set("system", internal->InProcessChannel(grpc::ChannelArguments()));

  ProxyOptions proxy_options;
  proxy_options.roles = config.authorization_roles;
  proxy_options.insecure_tcp = config.insecure_tcp;
  ProxyService proxy(&backends, audit->get(), proxy_options);
  grpc::EnableDefaultHealthCheckService(true);
  grpc::reflection::InitProtoReflectionServerBuilderPlugin();
  grpc::ServerBuilder builder;
  for (const Listener& listener : *listeners) {
    if (listener.scheme == "unix") ::unlink(listener.address.c_str());
    builder.AddListeningPort(listener.grpc_uri, listener.credentials);
  }
  builder.RegisterCallbackGenericService(&proxy);
  builder.SetMaxReceiveMessageSize(64 << 20);
  builder.SetMaxSendMessageSize(64 << 20);
  std::vector<std::unique_ptr<grpc::experimental::ServerInterceptorFactoryInterface>>
      interceptors;
  // A generic server sees whatever path a client sends: count only methods
  // of the linked APIs (and the standard ones) under their names, so made-up
  // names cannot grow the registry without bound.
  interceptors.push_back(metrics::MakeServerMetricsInterceptorFactory(
      registry, [](const std::string& service, const std::string& method) {
        if (service == "grpc.health.v1.Health" ||
            service == "grpc.reflection.v1alpha.ServerReflection") {
          return true;
        }
        return google::protobuf::DescriptorPool::generated_pool()->FindMethodByName(
                   service + "." + method) != nullptr;
      }));
  builder.experimental().SetInterceptorCreators(std::move(interceptors));
  mode_t old_umask = ::umask(0117);
  std::unique_ptr<grpc::Server> server = builder.BuildAndStart();
  ::umask(old_umask);
  if (server == nullptr) {
    supervisor.StopAll(absl::Seconds(10));
    return Fail(absl::UnavailableError("cannot listen on the configured hosts (in use?)"));
  }
  for (const Listener& listener : *listeners) {
    if (listener.scheme == "unix") {
      if (absl::Status status = SecureUnixSocket(listener.address, {"berth"}); !status.ok()) {
        BERTH_LOG(Error) << status.message();
      }
    }
    BERTH_LOG(Info) << "API listen on " << (listener.scheme == "unix" ? listener.address
                                                                       : listener.grpc_uri);
  }

  std::unique_ptr<MetricsEndpoint> metrics_endpoint;
  if (!config.metrics_addr.empty()) {
    auto started = MetricsEndpoint::Start(config.metrics_addr, [&] {
      return GatherMetrics(supervisor, backends, registry);
    });
    if (!started.ok()) {
      server->Shutdown();
      supervisor.StopAll(absl::Seconds(10));
      return Fail(started.status());
    }
    metrics_endpoint = *std::move(started);
    BERTH_LOG(Info) << "metrics on http://" << config.metrics_addr << "/metrics";
  }
  BERTH_LOG(Info) << "berthd is ready";

  // The main thread is the supervisor: it reaps and restarts services and
  // waits for the signal to stop.
  sigset_t wanted;
  sigemptyset(&wanted);
  for (int sig : {SIGTERM, SIGINT, SIGCHLD, SIGHUP}) sigaddset(&wanted, sig);
  while (true) {
    timespec tick{0, 50 * 1000 * 1000};
    int sig = ::sigtimedwait(&wanted, nullptr, &tick);
    if (sig == SIGTERM || sig == SIGINT) {
      BERTH_LOG(Info) << "received signal " << sig << ", stopping";
      break;
    }
    if (sig == SIGHUP) reload();
    supervisor.HandleChildExits();
    supervisor.Tick();
  }

  // Stop taking calls, then stop the services. Containers are owned by their
  // shims and keep running.
  metrics_endpoint.reset();
  server->Shutdown(std::chrono::system_clock::now() + std::chrono::seconds(5));
  server->Wait();
  internal->Shutdown();
  // live-restore off: the tasks service stops every container first, each
  // within its stop timeout and all within dockerd's bound
  // (max(shutdown-timeout, longest stop timeout + 5)), while the network
  // service still tears their sandboxes down. This wait only backs that up.
  std::shared_ptr<const config::DaemonConfig> last = live.Get();
  const std::string orderly = server::OrderlyStopMarker(config.exec_root);
  if (absl::Status marked = WriteFileAtomically(orderly, "", 0600); !marked.ok()) {
    BERTH_LOG(Error) << "stop: " << marked.message();
  }
  if (!last->live_restore) {
    supervisor.StopFirst("tasks", last->shutdown_timeout < 0
                                      ? absl::InfiniteDuration()
                                      : absl::Seconds(last->shutdown_timeout) + absl::Minutes(5));
  }
  supervisor.StopAll(absl::Seconds(15));
  for (const Listener& listener : *listeners) {
    if (listener.scheme == "unix") ::unlink(listener.address.c_str());
  }
  ::unlink(effective_config.c_str());
  ::unlink(orderly.c_str());
  ::unlink((config.exec_root + "/berthd.pid").c_str());
  ::close(*pid_fd);
  BERTH_LOG(Info) << "berthd stopped";
  return 0;
}

}  // namespace
}  // namespace berth::berthd

int main(int argc, char** argv) { return berth::berthd::Run(argc, argv); }
