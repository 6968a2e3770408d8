#include "services/tasks/task_manager.h"

#include <algorithm>
#include <dirent.h>
#include <signal.h>
#include <sys/stat.h>
#include <unistd.h>

#include <fstream>
#include <optional>
#include <set>
#include <sstream>
#include <thread>

#include "absl/strings/match.h"
#include "absl/strings/numbers.h"
#include "absl/strings/str_cat.h"
#include "absl/strings/str_split.h"
#include "services/common/base/grpc_status.h"
#include "services/tasks/time_util.h"
#include "services/common/base/log.h"
#include "services/common/fs/fs_util.h"
#include "services/tasks/container_links.h"
#include "services/tasks/container_networks.h"
#include "services/tasks/container_spec.h"
#include "services/tasks/health.h"
#include "services/tasks/health_monitor.h"
#include "services/tasks/ipc_shm.h"
#include "services/tasks/namespace_modes.h"
#include "services/tasks/volume_release.h"
#include "shim/client/launch.h"
#include "shim/client/shim_client.h"

namespace berth::tasks {
namespace {

using berth::shim::ShimClient;

// docker's exit codes for a command that could not run.
int StartFailureCode(const absl::Status& status) {
  const std::string message(status.message());
  if (absl::StrContains(message, "executable file not found") ||
      absl::StrContains(message, "no such file or directory") ||
      absl::StrContains(message, "No such file or directory")) {
    return 127;
  }
  if (absl::StrContains(message, "ermission denied") || absl::StrContains(message, "s a directory")) {
    return 126;
  }
  return 128;
}

constexpr absl::Duration kMinBackoff = absl::Milliseconds(100);
constexpr absl::Duration kMaxBackoff = absl::Minutes(1);
// How long SIGKILL is sent again to a container whose exit does not come
// (a shim too busy to answer in time is not a failed kill).
constexpr absl::Duration kKillPatience = absl::Seconds(60);

}  // namespace

bool IsRunning(const Container& container) {
  auto status = container.state().status();
  return status == v1::RUNNING || status == v1::PAUSED;
}

std::string TaskManager::ContainerDir(const std::string& id) const {
  return absl::StrCat(options_.data_dir, "/containers/", id);
}

std::string TaskManager::BundleDir(const std::string& id) const {
  return absl::StrCat(options_.exec_root, "/shims/", id);
}

std::string TaskManager::ShmDir(const std::string& id) const { return BundleDir(id) + "/shm"; }

void TaskManager::RemoveBundle(const std::string& id) const {
  UnmountShm(ShmDir(id));
  fs::RemoveAll(BundleDir(id)).IgnoreError();
}

absl::Status TaskManager::ShimCall(const std::string& id, const std::string& method,
                                   const google::protobuf::MessageLite& request,
                                   google::protobuf::MessageLite* response) const {
  ShimClient client(BundleDir(id) + "/sock");
  return client.Call(method, request, response);
}

void TaskManager::Publish(const Container& container, const std::string& action,
                          std::map<std::string, std::string> attributes) {
  v1::ContainerEvent event;
  event.set_id(container.id());
  event.set_name(container.name());
  event.set_image(container.spec().image());
  event.set_action(action);
  attributes["name"] = container.name();
  attributes["image"] = container.spec().image();
  for (const auto& [key, value] : container.spec().labels()) attributes.emplace(key, value);
  if (auto it = attributes.find("exitCode"); it != attributes.end()) {
    event.set_exit_code(std::atoi(it->second.c_str()));
  }
  if (auto it = attributes.find("signal"); it != attributes.end()) event.set_signal(it->second);
  for (const auto& [key, value] : attributes) (*event.mutable_attributes())[key] = value;
  events_->Publish(std::move(event), container.namespace_());
}

TaskManager::ExitHold::ExitHold(TaskManager* manager, std::string id)
    : manager_(manager), id_(std::move(id)) {
  absl::MutexLock lock(&manager_->mu_);
  manager_->runtime_[id_].holds++;
}

TaskManager::ExitHold::~ExitHold() {
  absl::MutexLock lock(&manager_->mu_);
  auto it = manager_->runtime_.find(id_);
  if (it == manager_->runtime_.end()) return;
  --it->second.holds;
}

// The runtime record is looked up, not made: a removed container's is gone
// (or marked removed), which ends any wait for it.
uint64_t TaskManager::ExitCount(const std::string& id) {
  absl::MutexLock lock(&mu_);
  auto it = runtime_.find(id);
  return it == runtime_.end() ? 0 : it->second.exits;
}

bool TaskManager::AwaitExit(const std::string& id, uint64_t after, absl::Duration timeout) {
  absl::MutexLock lock(&mu_);
  auto passed = [this, &id, after]() ABSL_EXCLUSIVE_LOCKS_REQUIRED(mu_) {
    auto it = runtime_.find(id);
    return it == runtime_.end() || it->second.exits > after || it->second.removed;
  };
  return mu_.AwaitWithTimeout(absl::Condition(&passed), timeout);
}

// Attached to a network of the network service (the default bridge or a
// user network), as opposed to none, host and container:.
bool UsesNetworkSandbox(const Container& container) {
  const std::string& mode = container.spec().network_mode();
  return mode != "none" && mode != "host" && !absl::StartsWith(mode, "container:");
}

std::string NetworkName(const Container& container) {
  const std::string& mode = container.spec().network_mode();
  return mode.empty() || mode == "default" ? "bridge" : mode;
}

std::string TaskManager::HostGateway(const v1::ContainerSpec& spec) const {
  if (!WantsHostGateway(spec) || !options_.host_gateway) return "";
  auto gateway = options_.host_gateway();
  return gateway.ok() ? *gateway : "";
}

absl::StatusOr<berth::network::v1::Sandbox> TaskManager::CreateSandbox(const Container& container) {
  const v1::ContainerSpec& spec = container.spec();
  berth::network::v1::CreateSandboxRequest request;
  request.set_container_id(container.id());
  request.set_container_name(container.name());
  request.set_mode(NetworkName(container));
  request.set_hostname(spec.hostname());
  for (const std::string& alias : spec.network_aliases()) request.add_aliases(alias);
  std::set<std::string> published;
  for (const auto& binding : spec.port_bindings()) {
    auto* port = request.add_ports();
    port->set_host_ip(binding.host_ip());
    port->set_host_port(binding.host_port());
    port->set_container_port(binding.container_port());
    port->set_protocol(binding.protocol().empty() ? "tcp" : binding.protocol());
    published.insert(absl::StrCat(binding.container_port(), "/", port->protocol()));
  }
  if (spec.publish_all_ports()) {
    // -P: every EXPOSEd port on a random host port.
    for (const std::string& exposed : spec.exposed_ports()) {
      std::string key = exposed.find('/') == std::string::npos ? exposed + "/tcp" : exposed;
      if (published.count(key) > 0) continue;
      uint32_t number = 0;
      if (!absl::SimpleAtoi(key.substr(0, key.find('/')), &number)) continue;
      auto* port = request.add_ports();
      port->set_container_port(number);
      port->set_protocol(key.substr(key.find('/') + 1));
    }
  }
  berth::network::v1::Sandbox sandbox;
  grpc::ClientContext context;
  context.set_deadline(std::chrono::system_clock::now() + std::chrono::seconds(60));
  // The network service may be starting or restarting: wait for it.
  context.set_wait_for_ready(true);
  grpc::Status status = networks_->CreateSandbox(&context, request, &sandbox);
  if (!status.ok()) return FromGrpcStatus(status);
  return sandbox;
}

void TaskManager::RemoveSandbox(const std::string& id, const std::string& endpoint_id,
                                bool container_removed) {
  berth::network::v1::RemoveSandboxRequest request;
  request.set_container_id(id);
  request.set_endpoint_id(endpoint_id);
  request.set_container_removed(container_removed);
  berth::network::v1::RemoveSandboxResponse response;
  grpc::ClientContext context;
  // Not long: a sweep tries again if the network service does not answer.
  context.set_deadline(std::chrono::system_clock::now() + std::chrono::seconds(15));
  context.set_wait_for_ready(true);
  grpc::Status status = networks_->RemoveSandbox(&context, request, &response);
  if (!status.ok() && status.error_code() != grpc::StatusCode::NOT_FOUND) {
    BERTH_LOG(Warn) << "container " << id << ": release its network: " << status.error_message()
                    << " (tried again later)";
    ScheduleSandboxSweep();
  }
}

void TaskManager::ScheduleSandboxSweep() {
  if (sweep_scheduled_.exchange(true)) return;
  // The network service was down or hung: its sandboxes of containers that
  // no longer run are released once it answers again, so a stop that went
  // through without it (a pod's, say) leaves no veth, lease or rule.
  std::thread([this] {
    do {
      absl::SleepFor(absl::Seconds(5));
    } while (!ReleaseOrphanSandboxes(/*attempts=*/1));
    sweep_scheduled_ = false;
  }).detach();
}

bool TaskManager::ReleaseOrphanSandboxes(int attempts) {
  berth::network::v1::ListSandboxesResponse sandboxes;
  grpc::Status status;
  for (int attempt = 0; attempt < attempts; ++attempt) {
    grpc::ClientContext context;
    context.set_deadline(std::chrono::system_clock::now() + std::chrono::seconds(5));
    context.set_wait_for_ready(true);
    status = networks_->ListSandboxes(&context, {}, &sandboxes);
    if (status.ok()) break;
    absl::SleepFor(absl::Milliseconds(100));
  }
  if (!status.ok()) {
    BERTH_LOG(Warn) << "cannot list network sandboxes: " << status.error_message();
    return false;
  }
  // A sandbox whose container is gone or not running (removed or stopped
  // while this service was down) is released: no veth, lease or rule stays.
  for (const auto& sandbox : sandboxes.sandboxes()) {
    auto container = store_->Get(sandbox.container_id());
    if (container && IsRunning(*container)) continue;
    {
      absl::MutexLock lock(&mu_);
      if (runtime_[sandbox.container_id()].starting) continue;  // being started right now
    }
    BERTH_LOG(Info) << "releasing the network of " << sandbox.container_id()
                    << " (its container is gone or stopped)";
    RemoveSandbox(sandbox.container_id());
  }
  return true;
}

absl::Status TaskManager::Start(const std::string& ns, const std::string& ref,
                               const StartOptions& options) {
  auto container = store_->Resolve(ns, ref);
  if (!container.ok()) return container.status();
  return StartResolved(*container, options);
}

absl::Status TaskManager::StartResolved(const Container& resolved, const StartOptions& options) {
  const std::string id = resolved.id();
  // Attaches waiting for this start: they get the output from the first
  // byte, as a start -a does.
  std::vector<std::shared_ptr<StartWaiter>> waiters;
  auto release_waiters = [this, &waiters](bool failed) {
    for (auto& waiter : waiters) {
      if (!failed && waiter->on_launch) waiter->on_launch();
    }
    absl::MutexLock lock(&mu_);
    for (auto& waiter : waiters) {
      waiter->failed = failed;
      waiter->done = true;
    }
    waiters.clear();
  };
  {
    absl::MutexLock lock(&mu_);
    Runtime& runtime = runtime_[id];
    if (runtime.starting) return absl::FailedPreconditionError("container is already starting");
    if (resolved.state().status() == v1::RUNNING || resolved.state().status() == v1::PAUSED) {
      return absl::OkStatus();  // docker: starting a running container changes nothing
    }
    runtime.starting = true;
    waiters.swap(runtime.start_waiters);
    for (auto& waiter : waiters) waiter->taken = true;
  }
  auto done = [this, &id, &release_waiters] {
    release_waiters(/*failed=*/true);
    absl::MutexLock lock(&mu_);
    runtime_[id].starting = false;
  };
  std::string bundle = BundleDir(id);
  // A start that fails before its shim runs. As dockerd's, an auto-remove
  // container goes: `docker run --rm` waits for its removal.
  auto fail_start = [&](absl::Status status) {
    RemoveBundle(id);
    done();
    if (resolved.spec().auto_remove()) Remove(resolved.namespace_(), id, false, true).IgnoreError();
    return status;
  };
  RemoveBundle(id);
  if (absl::Status status = fs::MakeDirectories(bundle, 0700); !status.ok()) {
    return fail_start(status);
  }
  // Bridge networking: the network service makes the namespace and
  // plumbs it (CNI) before the shim joins it.
  Container starting = resolved;
  // Legacy links: each linked container must run; its address goes into
  // /etc/hosts and its ports, name and environment into ours.
  std::string link_hosts;
  for (const std::string& text : resolved.spec().links()) {
    auto link = ParseLink(text);
    absl::StatusOr<Container> linked =
        link.ok() ? store_->Resolve(resolved.namespace_(), link->name)
                  : absl::StatusOr<Container>(link.status());
    if (!linked.ok() || !IsRunning(*linked)) {
      return fail_start(absl::InternalError(absl::StrCat(
          "Cannot link to a non running container: /", link.ok() ? link->name : text, " AS /",
          resolved.name(), "/", link.ok() ? link->alias : text)));
    }
    absl::StrAppend(&link_hosts, LinkHostsLine(*link, *linked));
    for (std::string& item : LinkEnv(*link, resolved.name(), *linked)) {
      starting.mutable_spec()->add_env(std::move(item));
    }
  }
  v1::NetworkSettings network;
  const std::string& mode = resolved.spec().network_mode();
  if (absl::StartsWith(mode, "container:")) {
    // Join the other container's network namespace, and use its view of
    // names (hosts, resolv.conf, hostname) as docker does.
    auto other = store_->Get(mode.substr(10));
    if (!other || other->namespace_() != resolved.namespace_() || !IsRunning(*other)) {
      return fail_start(absl::FailedPreconditionError(absl::StrCat(
          "cannot join network of a non running container: ", mode.substr(10))));
    }
    starting.set_netns_path(other->netns_path().empty()
                                ? absl::StrCat("/proc/", other->state().pid(), "/ns/net")
                                : other->netns_path());
    if (other->spec().network_mode() == "host") starting.set_netns_path("/proc/1/ns/net");
    starting.set_hosts_path(other->hosts_path());
    starting.set_resolv_conf_path(other->resolv_conf_path());
    starting.set_hostname_path(other->hostname_path());
    starting.mutable_spec()->set_hostname(other->spec().hostname());
  }
  auto lookup = [this](const std::string& other) { return store_->Get(other); };
  auto joined = JoinedNamespaces(resolved, lookup);
  if (!joined.ok()) return fail_start(joined.status());
  std::string shm_source = ShmSource(resolved, lookup, [this](const std::string& other) { return ShmDir(other); });
  if (shm_source == ShmDir(id)) {
    if (absl::Status status = MountShm(shm_source); !status.ok()) return fail_start(status);
  }
  if (UsesNetworkSandbox(resolved)) {
    auto sandbox = CreateSandbox(resolved);
    if (!sandbox.ok()) {
      return fail_start(absl::Status(sandbox.status().code(),
                                     absl::StrCat("failed to set up the network of container ", id,
                                                  ": ", sandbox.status().message())));
    }
    starting.set_netns_path(sandbox->netns_path());
    network.set_network(NetworkName(resolved));
    if (sandbox->endpoints_size() > 0) {
      const auto& endpoint = sandbox->endpoints(0);
      network.set_network_id(endpoint.network_id());
      network.set_endpoint_id(endpoint.endpoint_id());
      std::string address = endpoint.ipv4_address();
      network.set_ip_address(address.substr(0, address.find('/')));
      int prefix = 0;
      if (address.find('/') != std::string::npos) {
        absl::SimpleAtoi(address.substr(address.find('/') + 1), &prefix);
      }
      network.set_ip_prefix_len(prefix);
      network.set_gateway(endpoint.gateway());
      network.set_mac_address(endpoint.mac_address());
    }
    for (const auto& port : sandbox->ports()) {
      auto* binding = network.add_ports();
      binding->set_host_ip(port.host_ip());
      binding->set_host_port(port.host_port());
      binding->set_container_port(port.container_port());
      binding->set_protocol(port.protocol());
    }
    // The container's own name resolves to its address, as docker writes
    // it; rewritten at each start (the address may change).
    std::string hosts = MakeHostFiles(resolved.spec(), HostGateway(resolved.spec())).hosts;
    hosts += link_hosts;
    if (!network.ip_address().empty()) {
      absl::StrAppend(&hosts, network.ip_address(), "\t", resolved.spec().hostname(), "\n");
    }
    std::ofstream(resolved.hosts_path(), std::ios::trunc) << hosts;
    // On a user network (its own or one connected to) that network's name
    // server answers (containers by name, the rest forwarded), unless --dns
    // was given; on the default bridge alone, the host's resolvers.
    if (resolved.spec().dns_size() == 0) {
      std::string resolv = MakeHostFiles(resolved.spec()).resolv_conf;
      if (auto name_server = UserNetworkNameServer(*sandbox)) {
        resolv = NameServerResolvConf(resolv, *name_server);
      }
      std::ofstream(resolved.resolv_conf_path(), std::ios::trunc) << resolv;
    }
  }
  ShimSettings settings;
  settings.bundle = bundle;
  settings.netns_path = starting.netns_path();
  settings.join_namespaces = *std::move(joined);
  settings.shm_source = shm_source;
  settings.cgroup_driver = options_.cgroup_driver;
  settings.cgroup_parent = options_.cgroup_parent;
  LogLimits log = ContainerLogLimits(resolved.spec(), {options_.log_max_size, options_.log_max_files});
  settings.log_max_size = log.max_size;
  settings.log_max_files = log.max_files;
  settings.uid_map = options_.uid_map;
  settings.gid_map = options_.gid_map;
  auto create = BuildShimRequest(starting, settings);
  if (create.ok()) {
    create->set_buffer_until_attach(options.attach || !waiters.empty());
    // An attach's window first; else the size given at create.
    bool sized = options.rows > 0 && options.cols > 0;
    const auto& console = resolved.spec().console_size();
    create->mutable_process()->set_console_rows(sized ? options.rows : console.rows());
    create->mutable_process()->set_console_cols(sized ? options.cols : console.cols());
  }
  absl::StatusOr<pid_t> pid =
      create.ok() ? shim::LaunchShim(options_.shim_binary, *create) : create.status();
  if (!pid.ok()) {
    RemoveBundle(id);
    if (UsesNetworkSandbox(resolved)) RemoveSandbox(id);
    int code = StartFailureCode(pid.status());
    std::string message(pid.status().message());
    store_
        ->Update(id,
                 [&](Container& c) {
                   c.mutable_state()->set_exit_code(code);
                   c.mutable_state()->set_error(message);
                   if (c.state().status() == v1::RESTARTING) c.mutable_state()->set_status(v1::EXITED);
                   return absl::OkStatus();
                 })
        .IgnoreError();
    done();
    if (resolved.spec().auto_remove()) Remove(resolved.namespace_(), id, false, true).IgnoreError();
    return absl::FailedPreconditionError(
        absl::StrCat("failed to start container ", id, ": ", message));
  }
  absl::Time now = absl::Now();
  auto updated = store_->Update(id, [&](Container& c) {
    v1::State* state = c.mutable_state();
    state->set_status(v1::RUNNING);
    state->set_pid(*pid);
    state->set_exit_code(0);
    state->set_error("");
    state->set_oom_killed(false);
    state->set_manually_stopped(false);
    SetTime(state->mutable_started_at(), now);
    state->clear_finished_at();
    if (ProbeOf(c.spec())) ResetHealthForStart(state);
    c.set_netns_path(starting.netns_path());
    *c.mutable_network_settings() = network;
    return absl::OkStatus();
  });
  {
    absl::MutexLock lock(&mu_);
    runtime_[id].started = now;
    runtime_[id].starting = false;
  }
  if (options.launched) options.launched();
  release_waiters(/*failed=*/false);
  if (!updated.ok()) return updated.status();
  AnnounceVolumeMounts(volumes_.get(), id, updated->spec(), /*mounted=*/true);
  Publish(*updated, "start");
  // Before the exit can be handled, so that its Unwatch comes after.
  if (health_ != nullptr) health_->Watch(id);
  std::thread([this, id] { Monitor(id); }).detach();
  return absl::OkStatus();
}

absl::StatusOr<TaskManager::AwaitedStart> TaskManager::AwaitStart(
    const std::string& id, std::function<void()> on_launch, const std::function<void()>& registered,
    const std::function<bool()>& cancelled) {
  auto waiter = std::make_shared<StartWaiter>();
  waiter->on_launch = std::move(on_launch);
  {
    absl::MutexLock lock(&mu_);
    runtime_[id].start_waiters.push_back(waiter);
  }
  registered();
  // False once a Start took it: then it must wait for that start, which
  // will run on_launch.
  auto forget = [&] {
    absl::MutexLock lock(&mu_);
    if (waiter->taken) return false;
    auto& list = runtime_[id].start_waiters;
    list.erase(std::remove(list.begin(), list.end(), waiter), list.end());
    return true;
  };
  while (true) {
    {
      absl::MutexLock lock(&mu_);
      mu_.AwaitWithTimeout(absl::Condition(&waiter->done), absl::Milliseconds(200));
      if (waiter->done) break;
      if (waiter->taken) continue;
    }
    // The store is read outside mu_ (its own lock is taken before mu_ elsewhere).
    if (cancelled()) {
      if (forget()) return absl::CancelledError("attach: the client went away");
      continue;
    }
    auto container = store_->Get(id);
    if (!container) {
      if (forget()) return absl::NotFoundError(absl::StrCat("No such container: ", id));
      continue;
    }
    // Started by a start that came before this waiter was seen.
    if (container->state().status() == v1::RUNNING) {
      if (forget()) return AwaitedStart::kRunning;
    }
  }
  if (waiter->failed) return absl::FailedPreconditionError("the container did not start");
  return AwaitedStart::kStarted;
}

void TaskManager::Monitor(const std::string& id) {
  ShimClient client(BundleDir(id) + "/sock");
  berth::shim::v1::WaitResponse exit;
  absl::Status status = client.Call("Wait", berth::shim::v1::WaitRequest(), &exit,
                                    absl::InfiniteDuration());
  if (!status.ok()) {
    // The shim is gone: its exit file says how the container ended, if it
    // got that far.
    if (!exit.ParseFromString(fs::ReadFileOrEmpty(BundleDir(id) + "/exit")) ||
        exit.exited_at_unix_nano() == 0) {
      BERTH_LOG(Warn) << "container " << id << ": shim lost (" << status.message()
                         << "); exit status unknown";
      exit.set_exit_status(255);
      exit.set_exited_at_unix_nano(absl::ToUnixNanos(absl::Now()));
    }
  }
  HandleExit(id, exit);
}

void TaskManager::HandleExit(const std::string& id, const berth::shim::v1::WaitResponse& exit) {
  // Its cgroup goes with it; a busy shim is asked again rather than left
  // running without its bundle.
  DeleteShim(id);
  RemoveBundle(id);
  std::string endpoint;
  bool bridge = false;
  if (auto before = store_->Get(id)) {
    endpoint = before->network_settings().endpoint_id();
    bridge = UsesNetworkSandbox(*before);
  }
  if (health_ != nullptr) health_->Unwatch(id);
  auto updated = store_->Update(id, [&](Container& c) {
    c.clear_netns_path();
    c.clear_network_settings();
    v1::State* state = c.mutable_state();
    // docker's rule: unhealthy once its checks stop.
    if (!state->health().empty()) state->set_health("unhealthy");
    state->set_status(v1::EXITED);
    state->set_pid(0);
    state->set_exit_code(exit.exit_status());
    state->set_oom_killed(exit.oom_killed());
    SetTime(state->mutable_finished_at(), absl::FromUnixNanos(exit.exited_at_unix_nano()));
    return absl::OkStatus();
  });
  if (!updated.ok()) {
    BERTH_LOG(Warn) << "container " << id << ": recording its exit: " << updated.status();
    return;
  }
  if (exit.oom_killed()) Publish(*updated, "oom");
  Publish(*updated, "die", {{"exitCode", std::to_string(exit.exit_status())}});
  bool restart = ShouldRestart(*updated);
  absl::Duration delay;
  {
    absl::MutexLock lock(&mu_);
    Runtime& runtime = runtime_[id];
    runtime.exits++;
    runtime.last_exit.set_exit_code(exit.exit_status());
    runtime.last_exit.set_oom_killed(exit.oom_killed());
    SetTime(runtime.last_exit.mutable_exited_at(), absl::FromUnixNanos(exit.exited_at_unix_nano()));
    // docker's back-off: 100 ms doubling to a minute, reset after 10 s up.
    bool ran_long =
        absl::FromUnixNanos(exit.exited_at_unix_nano()) - runtime.started >= absl::Seconds(10);
    runtime.backoff = (ran_long || runtime.backoff == absl::ZeroDuration())
                          ? kMinBackoff
                          : std::min(runtime.backoff * 2, kMaxBackoff);
    delay = runtime.backoff;
  }
  // docker releases a stopped container's address and ports; after the
  // waiters have their answer, so CNI DEL is not on the exit's path.
  if (bridge) RemoveSandbox(id, endpoint);
  AnnounceVolumeMounts(volumes_.get(), id, updated->spec(), /*mounted=*/false);
  if (updated->spec().auto_remove()) {
    if (absl::Status status = Remove(updated->namespace_(), id, false, true); !status.ok()) {
      BERTH_LOG(Warn) << "container " << id << ": --rm: " << status;
    }
    return;
  }
  if (restart) {
    auto restarting = store_->Update(id, [](Container& c) {
      c.mutable_state()->set_status(v1::RESTARTING);
      c.mutable_state()->set_restart_count(c.state().restart_count() + 1);
      return absl::OkStatus();
    });
    if (restarting.ok()) ScheduleRestart(id, delay);
  }
}

bool TaskManager::ShouldRestart(const Container& container) const {
  const auto& policy = container.spec().restart_policy();
  const auto& state = container.state();
  if (state.manually_stopped() || shutting_down_) return false;
  if (policy.name() == "always" || policy.name() == "unless-stopped") return true;
  if (policy.name() == "on-failure") {
    return state.exit_code() != 0 &&
           (policy.maximum_retry_count() == 0 ||
            state.restart_count() < policy.maximum_retry_count());
  }
  return false;
}

void TaskManager::ScheduleRestart(const std::string& id, absl::Duration delay) {
  std::thread([this, id, delay] {
    absl::SleepFor(delay);
    auto container = store_->Get(id);
    if (!container || container->state().status() != v1::RESTARTING ||
        container->state().manually_stopped() || shutting_down_) {
      return;
    }
    // StartResolved leaves RESTARTING for RUNNING, or EXITED on failure.
    if (absl::Status status = StartResolved(*container); !status.ok()) {
      BERTH_LOG(Warn) << "container " << id << ": restart: " << status;
    } else {
      Publish(*store_->Get(id), "restart");
    }
  }).detach();
}

absl::Status TaskManager::Kill(const std::string& ns, const std::string& ref,
                              const std::string& signal_name) {
  auto container = store_->Resolve(ns, ref);
  if (!container.ok()) return container.status();
  auto signal = ParseSignal(signal_name.empty() ? "KILL" : signal_name);
  if (!signal.ok()) return signal.status();
  if (!IsRunning(*container)) {
    return absl::FailedPreconditionError(absl::StrCat("Cannot kill container: ", ref,
                                                      ": Container ", container->id(),
                                                      " is not running"));
  }
  auto stop_signal = ParseSignal(container->spec().stop_signal().empty()
                                     ? "TERM"
                                     : container->spec().stop_signal());
  if (*signal == SIGKILL || (stop_signal.ok() && *signal == *stop_signal)) {
    // Ended on purpose: restart policies leave it alone (docker's rule).
    store_
        ->Update(container->id(),
                 [](Container& c) {
                   c.mutable_state()->set_manually_stopped(true);
                   return absl::OkStatus();
                 })
        .IgnoreError();
  }
  berth::shim::v1::KillRequest request;
  request.set_signal(static_cast<uint32_t>(*signal));
  request.set_all(*signal == SIGKILL);
  Publish(*container, "kill", {{"signal", std::to_string(*signal)}});
  absl::Status status = ShimCall(container->id(), "Kill", request, nullptr);
  // It ended meanwhile (its shim may already be gone): the exit is being
  // recorded.
  if (absl::IsNotFound(status) || absl::IsUnavailable(status)) return absl::OkStatus();
  return status;
}

absl::Status TaskManager::Stop(const std::string& ns, const std::string& ref,
                               int timeout_seconds, const std::string& signal_name) {
  auto container = store_->Resolve(ns, ref);
  if (!container.ok()) return container.status();
  const std::string id = container->id();
  if (container->state().status() == v1::RESTARTING) {
    return store_
        ->Update(id,
                 [](Container& c) {
                   c.mutable_state()->set_manually_stopped(true);
                   c.mutable_state()->set_status(v1::EXITED);
                   return absl::OkStatus();
                 })
        .status();
  }
  if (!IsRunning(*container)) return absl::OkStatus();  // docker: already stopped is fine
  std::string name = signal_name.empty() ? container->spec().stop_signal() : signal_name;
  auto signal = ParseSignal(name.empty() ? "TERM" : name);
  if (!signal.ok()) return signal.status();
  int timeout = timeout_seconds >= 0 ? timeout_seconds : StopTimeout(*container);
  store_
      ->Update(id,
               [](Container& c) {
                 c.mutable_state()->set_manually_stopped(true);
                 return absl::OkStatus();
               })
      .IgnoreError();
  return StopTask(*container, *signal, timeout);
}

int TaskManager::StopSignal(const Container& container) {
  const std::string& name = container.spec().stop_signal();
  auto signal = ParseSignal(name.empty() ? "TERM" : name);
  return signal.ok() ? *signal : SIGTERM;
}

int TaskManager::StopTimeout(const Container& container) {
  return container.spec().stop_timeout() > 0 ? container.spec().stop_timeout() : 10;
}

absl::Status TaskManager::StopTask(const Container& container, int signal, int timeout_seconds) {
  const std::string& id = container.id();
  uint64_t before = ExitCount(id);
  // SIGKILL (rm -f, stop -s KILL) needs no polite round first.
  if (signal != SIGKILL) {
    berth::shim::v1::KillRequest request;
    request.set_signal(static_cast<uint32_t>(signal));
    Publish(container, "kill", {{"signal", std::to_string(signal)}});
    absl::Status sent = ShimCall(id, "Kill", request, nullptr);
    if (sent.ok() && AwaitExit(id, before, absl::Seconds(timeout_seconds))) {
      Publish(store_->Get(id).value_or(container), "stop");
      return absl::OkStatus();
    }
  }
  Publish(container, "kill", {{"signal", std::to_string(SIGKILL)}});
  if (absl::Status killed = KillUntilExit(id, before); !killed.ok()) return killed;
  Publish(store_->Get(id).value_or(container), "stop");
  return absl::OkStatus();
}

void TaskManager::Shutdown(int shutdown_timeout) {
  shutting_down_ = true;
  // Shared with the stopping threads, which may outlive a bounded wait.
  struct Pending {
    absl::Mutex mu;
    int left ABSL_GUARDED_BY(mu) = 0;
  };
  auto pending = std::make_shared<Pending>();
  int longest = 0;
  for (const Container& container : store_->All()) {
    if (!IsRunning(container)) continue;
    int timeout = StopTimeout(container);
    longest = std::max(longest, timeout);
    {
      absl::MutexLock lock(&pending->mu);
      pending->left++;
    }
    BERTH_LOG(Info) << "container " << container.id() << ": stopping it (live-restore is off)";
    std::thread([this, container, timeout, pending] {
      // A frozen process would not see its stop signal.
      if (container.state().status() == v1::PAUSED) {
        ShimCall(container.id(), "Resume", berth::shim::v1::Empty(), nullptr).IgnoreError();
      }
      if (absl::Status status = StopTask(container, StopSignal(container), timeout);
          !status.ok()) {
        BERTH_LOG(Warn) << "container " << container.id() << ": shutdown: " << status;
      }
      absl::MutexLock lock(&pending->mu);
      pending->left--;
    }).detach();
  }
  absl::MutexLock lock(&pending->mu);
  auto done = [](int* left) { return *left == 0; };
  absl::Condition all_stopped(+done, &pending->left);
  if (shutdown_timeout < 0) {
    pending->mu.Await(all_stopped);
    return;
  }
  // dockerd's bound: the daemon's timeout, or each container's own and a
  // grace of five seconds if that is longer.
  absl::Duration bound = absl::Seconds(std::max(shutdown_timeout, longest + 5));
  if (!pending->mu.AwaitWithTimeout(all_stopped, bound)) {
    BERTH_LOG(Warn) << pending->left << " container(s) still running after " << bound
                    << " of shutdown";
  }
}

absl::Status TaskManager::KillUntilExit(const std::string& id, uint64_t before) {
  berth::shim::v1::KillRequest request;
  request.set_signal(SIGKILL);
  request.set_all(true);
  const absl::Time deadline = absl::Now() + kKillPatience;
  absl::Status killed;
  while (true) {
    killed = ShimCall(id, "Kill", request, nullptr);
    // NotFound: the process has ended; Unavailable: the shim is gone and
    // Monitor reads its exit file. Either way the exit is on its way.
    bool delivered = killed.ok() || absl::IsNotFound(killed) || absl::IsUnavailable(killed);
    if (!delivered && !absl::IsDeadlineExceeded(killed)) return killed;
    if (AwaitExit(id, before, delivered ? absl::Seconds(10) : absl::Seconds(1))) {
      return absl::OkStatus();
    }
    if (absl::Now() >= deadline) break;
    BERTH_LOG(Warn) << "container " << id << ": no exit after SIGKILL yet ("
                    << (killed.ok() ? "delivered" : std::string(killed.message()))
                    << "); asking its shim again";
  }
  return absl::DeadlineExceededError(absl::StrCat(
      "container ", id, " did not exit after SIGKILL",
      killed.ok() ? "" : absl::StrCat(" (", killed.message(), ")")));
}

void TaskManager::DeleteShim(const std::string& id) {
  ShimClient client(BundleDir(id) + "/sock");
  absl::Status status;
  for (int attempt = 0; attempt < 6; ++attempt) {
    status = client.Call("Delete", berth::shim::v1::Empty(), nullptr, absl::Seconds(10));
    // Unavailable: it is gone already.
    if (status.ok() || absl::IsUnavailable(status)) return;
    if (!absl::IsDeadlineExceeded(status)) break;
  }
  BERTH_LOG(Warn) << "container " << id << ": shim Delete: " << status;
}

absl::Status TaskManager::Restart(const std::string& ns, const std::string& ref,
                                  int timeout_seconds, const std::string& signal) {
  auto container = store_->Resolve(ns, ref);
  if (!container.ok()) return container.status();
  if (absl::Status status = Stop(ns, container->id(), timeout_seconds, signal); !status.ok()) {
    return status;
  }
  if (absl::Status status = Start(ns, container->id()); !status.ok()) return status;
  Publish(store_->Get(container->id()).value_or(*container), "restart");
  return absl::OkStatus();
}

absl::Status TaskManager::Pause(const std::string& ns, const std::string& ref) {
  auto container = store_->Resolve(ns, ref);
  if (!container.ok()) return container.status();
  if (container->state().status() == v1::PAUSED) {
    return absl::FailedPreconditionError(
        absl::StrCat("Container ", container->id(), " is already paused"));
  }
  if (!IsRunning(*container)) {
    return absl::FailedPreconditionError(
        absl::StrCat("Container ", container->id(), " is not running"));
  }
  if (absl::Status status = ShimCall(container->id(), "Pause", berth::shim::v1::Empty(), nullptr);
      !status.ok()) {
    return status;
  }
  // A paused container is not checked; docker calls it unhealthy until a
  // probe after unpause says otherwise.
  if (health_ != nullptr) health_->Unwatch(container->id());
  auto updated = store_->Update(container->id(), [](Container& c) {
    if (c.state().status() == v1::RUNNING) c.mutable_state()->set_status(v1::PAUSED);
    if (!c.state().health().empty()) c.mutable_state()->set_health("unhealthy");
    return absl::OkStatus();
  });
  if (!updated.ok()) return updated.status();
  Publish(*updated, "pause");
  return absl::OkStatus();
}

absl::Status TaskManager::ReopenLog(const std::string& ns, const std::string& ref) {
  auto container = store_->Resolve(ns, ref);
  if (!container.ok()) return container.status();
  if (!IsRunning(*container)) {
    return absl::FailedPreconditionError(
        absl::StrCat("container ", container->id(), " is not running"));
  }
  return ShimCall(container->id(), "ReopenLog", berth::shim::v1::Empty(), nullptr);
}

absl::Status TaskManager::Resume(const std::string& ns, const std::string& ref) {
  auto container = store_->Resolve(ns, ref);
  if (!container.ok()) return container.status();
  if (container->state().status() != v1::PAUSED) {
    return absl::FailedPreconditionError(
        absl::StrCat("Container ", container->id(), " is not paused"));
  }
  if (absl::Status status = ShimCall(container->id(), "Resume", berth::shim::v1::Empty(), nullptr);
      !status.ok()) {
    return status;
  }
  auto updated = store_->Update(container->id(), [](Container& c) {
    if (c.state().status() == v1::PAUSED) c.mutable_state()->set_status(v1::RUNNING);
    return absl::OkStatus();
  });
  if (!updated.ok()) return updated.status();
  if (health_ != nullptr) health_->Watch(container->id());
  Publish(*updated, "unpause");
  return absl::OkStatus();
}

absl::Status TaskManager::UpdateResources(const std::string& ns, const std::string& ref,
                                          const v1::Resources& r) {
  auto container = store_->Resolve(ns, ref);
  if (!container.ok()) return container.status();
  if (!IsRunning(*container)) return absl::OkStatus();
  berth::shim::v1::UpdateRequest request;
  *request.mutable_resources() = ShimResources(r);
  return ShimCall(container->id(), "Update", request, nullptr);
}

absl::StatusOr<v1::WaitResponse> TaskManager::Wait(const std::string& ns, const std::string& ref,
                                                   const std::string& condition,
                                                   const std::function<bool()>& cancelled) {
  if (!condition.empty() && condition != "not-running" && condition != "next-exit" &&
      condition != "removed") {
    return absl::InvalidArgumentError(absl::StrCat("invalid condition: \"", condition, "\""));
  }
  std::string id;
  if (auto container = store_->Resolve(ns, ref); container.ok()) {
    id = container->id();
  } else {
    // Removed (held for a waiter that registered before it ran, or kept a
    // minute), or being removed: its record is gone, its runtime entry not
    // yet marked; the loop below waits for the mark.
    absl::MutexLock lock(&mu_);
    auto it = runtime_.find(ref);
    if (!absl::IsNotFound(container.status()) || it == runtime_.end() || it->second.ns != ns) {
      return container.status();
    }
    id = ref;
  }
  ExitHold hold(this, id);
  uint64_t start = ExitCount(id);
  auto from_record = [](const Container& c) {
    v1::WaitResponse response;
    response.set_exit_code(c.state().exit_code());
    response.set_oom_killed(c.state().oom_killed());
    *response.mutable_exited_at() = c.state().finished_at();
    return response;
  };
  while (!cancelled()) {
    std::optional<Container> current = store_->Get(id);
    {
      absl::MutexLock lock(&mu_);
      const Runtime& runtime = runtime_[id];
      if (runtime.removed) return runtime.last_exit;
      // A record that is gone is being removed (Remove made the runtime
      // record first, so it marks it): wait for that.
      if (current && condition == "next-exit" && runtime.exits > start) return runtime.last_exit;
    }
    if (current && condition != "removed" && condition != "next-exit") {
      auto status = current->state().status();
      if (status != v1::RUNNING && status != v1::PAUSED && status != v1::RESTARTING) {
        return from_record(*current);
      }
    }
    absl::MutexLock lock(&mu_);
    // "removed" waits for the mark alone: after the exit, exits > start
    // would wake it at once, in a loop, until the removal ends.
    auto changed = [this, &id, start, &condition]() ABSL_EXCLUSIVE_LOCKS_REQUIRED(mu_) {
      return runtime_[id].removed || (condition != "removed" && runtime_[id].exits > start);
    };
    mu_.AwaitWithTimeout(absl::Condition(&changed), absl::Milliseconds(250));
  }
  return absl::CancelledError("wait cancelled");
}

absl::Status TaskManager::Remove(const std::string& ns, const std::string& ref, bool force,
                                 bool remove_volumes) {
  auto container = store_->Resolve(ns, ref);
  if (!container.ok()) return container.status();
  const std::string id = container->id();
  if (IsRunning(*container) || container->state().status() == v1::RESTARTING) {
    if (!force) {
      return absl::FailedPreconditionError(absl::StrCat(
          "cannot remove container \"/", container->name(), "\": container is ",
          container->state().status() == v1::PAUSED ? "paused" : "running",
          ": stop the container before removing or force remove"));
    }
    if (absl::Status status = Stop(ns, id, 0, "KILL"); !status.ok()) return status;
    container = store_->Resolve(ns, id);
    if (!container.ok()) return absl::OkStatus();  // removed meanwhile (--rm)
  }
  if (!container->snapshot_key().empty()) {
    berth::snapshots::v1::RemoveRequest request;
    request.set_key(container->snapshot_key());
    berth::snapshots::v1::RemoveResponse response;
    grpc::ClientContext context;
    context.set_deadline(std::chrono::system_clock::now() + std::chrono::seconds(30));
    grpc::Status status = snapshots_->Remove(&context, request, &response);
    if (!status.ok() && status.error_code() != grpc::StatusCode::NOT_FOUND) {
      return FromGrpcStatus(status);
    }
  }
  ReleaseVolumes(volumes_.get(), id, container->spec(), remove_volumes);
  // Its network is released before rm returns (the exit path may still be
  // doing it).
  if (UsesNetworkSandbox(*container)) RemoveSandbox(id, "", /*container_removed=*/true);
  {
    // The runtime record exists before the container record goes, so that
    // a waiter holding it (run --rm's, registered before the start) waits
    // for the removed mark instead of finding the container missing.
    absl::MutexLock lock(&mu_);
    runtime_[id].ns = ns;
  }
  if (absl::Status status = store_->Remove(id); !status.ok()) return status;
  fs::RemoveAll(ContainerDir(id)).IgnoreError();
  RemoveBundle(id);
  Publish(*container, "destroy");
  absl::MutexLock lock(&mu_);
  // Its runtime record stays a minute, and while a waiter holds it, for the
  // exit code: run --rm's Wait may come after its attach ended.
  absl::Time now = absl::Now();
  if (auto it = runtime_.find(id); it != runtime_.end()) {
    it->second.removed = true;
    it->second.removed_at = now;
  }
  for (auto it = runtime_.begin(); it != runtime_.end();) {
    bool expired = it->second.removed && it->second.holds == 0 &&
                   now - it->second.removed_at > absl::Minutes(1);
    it = expired ? runtime_.erase(it) : std::next(it);
  }
  return absl::OkStatus();
}

absl::StatusOr<berth::shim::v1::Stats> TaskManager::Stats(const std::string& id) {
  berth::shim::v1::StatsResponse response;
  if (absl::Status status = ShimCall(id, "Stats", berth::shim::v1::Empty(), &response);
      !status.ok()) {
    return status;
  }
  return response.stats();
}

absl::StatusOr<std::vector<int>> TaskManager::Pids(const std::string& ns,
                                                   const std::string& ref) {
  auto container = store_->Resolve(ns, ref);
  if (!container.ok()) return container.status();
  if (!IsRunning(*container)) {
    return absl::FailedPreconditionError(
        absl::StrCat("Container ", container->id(), " is not running"));
  }
  berth::shim::v1::PidsResponse response;
  if (absl::Status status = ShimCall(container->id(), "Pids", berth::shim::v1::Empty(), &response);
      !status.ok()) {
    return status;
  }
  return std::vector<int>(response.pids().begin(), response.pids().end());
}

void TaskManager::Recover(bool daemon_start, bool live_restore) {
  std::vector<Container> all = store_->All();
  std::set<std::string> known;
  for (const Container& container : all) {
    known.insert(container.id());
    const std::string& id = container.id();
    {
      absl::MutexLock lock(&mu_);
      runtime_[id].started = FromProto(container.state().started_at());
    }
    if (IsRunning(container)) {
      berth::shim::v1::StateResponse state;
      if (ShimCall(id, "State", berth::shim::v1::StateRequest(), &state).ok()) {
        BERTH_LOG(Info) << "container " << id << ": reconnected to its shim (" << state.status()
                        << ")";
        // Its checks go on from the recorded health (docker, restarting,
        // would begin again at starting; here only this service restarted).
        if (health_ != nullptr) health_->Watch(id);
        std::thread([this, id] { Monitor(id); }).detach();
        if (daemon_start && !live_restore) {
          // dockerd without live-restore does not adopt the containers a
          // killed daemon left running: it stops them, and their restart
          // policies apply as after any exit.
          BERTH_LOG(Info) << "container " << id << ": stopping it (live-restore is off)";
          std::thread([this, container] {
            absl::Status status =
                StopTask(container, StopSignal(container), StopTimeout(container));
            if (!status.ok()) BERTH_LOG(Warn) << "container " << container.id() << ": " << status;
          }).detach();
        }
      } else {
        // Monitor finds the shim gone and reads its exit file.
        Monitor(id);
      }
      continue;
    }
    bool restart = false;
    if (container.state().status() == v1::RESTARTING) {
      restart = !container.state().manually_stopped();
    } else if (daemon_start && container.state().status() == v1::EXITED) {
      const std::string& policy = container.spec().restart_policy().name();
      restart = policy == "always" ||
                (policy == "unless-stopped" && !container.state().manually_stopped());
    }
    if (restart) {
      BERTH_LOG(Info) << "container " << id << ": starting it (restart policy "
                      << container.spec().restart_policy().name() << ")";
      if (absl::Status status = StartResolved(container); !status.ok()) {
        BERTH_LOG(Warn) << "container " << id << ": " << status;
      }
    }
  }
  // Shims of containers that no longer exist: stop them and clear up. The
  // store is asked afresh for each: containers created since recovery
  // began are not orphans.
  std::string shims = options_.exec_root + "/shims";
  if (DIR* dir = ::opendir(shims.c_str())) {
    while (dirent* entry = ::readdir(dir)) {
      std::string id = entry->d_name;
      if (id == "." || id == ".." || known.count(id) > 0 || store_->Get(id)) continue;
      berth::shim::v1::KillRequest kill;
      kill.set_signal(SIGKILL);
      kill.set_all(true);
      if (ShimCall(id, "Kill", kill, nullptr).ok()) {
        ShimClient(BundleDir(id) + "/sock")
            .Call("Wait", berth::shim::v1::WaitRequest(), nullptr, absl::Seconds(10))
            .IgnoreError();
      }
      DeleteShim(id);
      RemoveBundle(id);
      BERTH_LOG(Info) << "removed the shim of unknown container " << id;
    }
    ::closedir(dir);
  }
  // Last: it may wait for the network service to come up (it starts
  // beside us: a few seconds), and tries again later if it does not.
  if (!ReleaseOrphanSandboxes(/*attempts=*/50)) ScheduleSandboxSweep();
}

}  // namespace berth::tasks
