#include "shim/server/shim.h"

#include <fcntl.h>
#include <signal.h>
#include <sys/epoll.h>
#include <sys/mman.h>
#include <sys/prctl.h>
#include <sys/signalfd.h>
#include <sys/socket.h>
#include <sys/stat.h>
#include <sys/un.h>
#include <sys/wait.h>
#include <unistd.h>

#include <cerrno>
#include <algorithm>
#include <cstring>
#include <fstream>

#include "absl/strings/match.h"
#include "absl/strings/str_cat.h"
#include "services/common/fs/fs_util.h"
#include "services/common/host/host_info.h"
#include "shim/cgroup/systemd_unit.h"
#include "shim/container/capabilities.h"
#include "shim/container/exec.h"
#include "shim/container/spawn.h"
#include "shim/container/user.h"

namespace berth::shim {
namespace {

constexpr const char* kStreams[2] = {"stdout", "stderr"};
// A client that does not read is dropped rather than let the shim grow.
constexpr size_t kMaxOutbox = 8 << 20;
// Output kept for an attach that follows the start: what a process writes
// in the moment between the two, bounded.
constexpr size_t kMaxKept = 1 << 20;
// Finished execs are remembered (their exit codes) up to this many.
constexpr size_t kMaxFinishedExecs = 256;

// A bind's propagation option (the tasks service passes docker's names).
bool IsPropagation(const std::string& option) {
  for (const char* name : {"rprivate", "private", "rslave", "slave", "rshared", "shared"}) {
    if (option == name) return true;
  }
  return false;
}

}  // namespace

std::vector<cgroup::DeviceRule> ContainerDeviceRules(const v1::CreateRequest& create) {
  if (create.privileged()) return {cgroup::DeviceRule{}};
  std::vector<cgroup::DeviceRule> rules = cgroup::DefaultDeviceRules();
  for (const v1::DeviceRule& rule : create.device_rules()) {
    rules.push_back({rule.type().empty() ? 'a' : rule.type()[0], rule.major(), rule.minor(), rule.access()});
  }
  return rules;
}

cgroup::Resources ToCgroupResources(const v1::Resources& r) {
  cgroup::Resources out;
  out.memory_bytes = r.memory_bytes();
  out.memory_swap_bytes = r.memory_swap_bytes();
  out.cpu_quota_us = r.cpu_quota_us();
  out.cpu_period_us = r.cpu_period_us();
  out.cpu_shares = r.cpu_shares();
  out.cpuset_cpus = r.cpuset_cpus();
  out.pids_limit = r.pids_limit();
  out.blkio_weight = r.blkio_weight();
  return out;
}

namespace {

absl::Status WriteFileAtomically(const std::string& path, const std::string& data) {
  std::string temp = path + ".tmp";
  UniqueFd fd(::open(temp.c_str(), O_WRONLY | O_CREAT | O_TRUNC | O_CLOEXEC, 0600));
  if (!fd.valid()) return absl::ErrnoToStatus(errno, "open " + temp);
  if (::write(fd.get(), data.data(), data.size()) != static_cast<ssize_t>(data.size()) ||
      ::fsync(fd.get()) != 0) {
    return absl::ErrnoToStatus(errno, "write " + temp);
  }
  if (::rename(temp.c_str(), path.c_str()) != 0) return absl::ErrnoToStatus(errno, "rename " + path);
  return absl::OkStatus();
}

// Most of the shim's code runs once: parsing its config, compiling the
// seccomp filter, starting the container. Dropping our executable's text
// pages afterwards leaves only what the event loop touches again (faulted
// back from the page cache, which all shims share): an idle shim's RSS is
// then its working set. Only r-x mappings: they are never written, so
// nothing is lost.
void ReleaseStartupPages() {
  char self[4096];
  ssize_t n = ::readlink("/proc/self/exe", self, sizeof(self) - 1);
  if (n <= 0) return;
  self[n] = '\0';
  std::ifstream maps("/proc/self/maps");
  std::string line;
  while (std::getline(maps, line)) {
    unsigned long start = 0, end = 0;
    char perms[8] = {};
    if (std::sscanf(line.c_str(), "%lx-%lx %7s", &start, &end, perms) != 3) continue;
    if (std::strcmp(perms, "r-xp") != 0 || line.find(self) == std::string::npos) continue;
    ::madvise(reinterpret_cast<void*>(start), end - start, MADV_DONTNEED);
  }
}

}  // namespace

Shim::~Shim() {
  // Only our own socket: a new shim for the same container may have bound
  // the path since.
  struct stat st;
  if (listener_.valid() && ::stat(options_.socket_path.c_str(), &st) == 0 &&
      st.st_ino == socket_inode_) {
    ::unlink(options_.socket_path.c_str());
  }
}

void Shim::Watch(int fd, uint32_t events) {
  epoll_event event{};
  event.events = events;
  event.data.fd = fd;
  if (::epoll_ctl(epoll_.get(), EPOLL_CTL_ADD, fd, &event) != 0 && errno == EEXIST) {
    ::epoll_ctl(epoll_.get(), EPOLL_CTL_MOD, fd, &event);
  }
}

absl::StatusOr<pid_t> Shim::Start() {
  const v1::CreateRequest& create = options_.create;
  epoll_.Reset(::epoll_create1(EPOLL_CLOEXEC));
  if (!epoll_.valid()) return absl::ErrnoToStatus(errno, "epoll_create1");
  // The container's orphans are reparented to us, not to the host's init.
  ::prctl(PR_SET_CHILD_SUBREAPER, 1, 0, 0, 0);
  sigset_t mask;
  sigemptyset(&mask);
  sigaddset(&mask, SIGCHLD);
  ::sigprocmask(SIG_BLOCK, &mask, nullptr);
  signals_.Reset(::signalfd(-1, &mask, SFD_CLOEXEC | SFD_NONBLOCK));
  if (!signals_.valid()) return absl::ErrnoToStatus(errno, "signalfd");

  sockaddr_un address{};
  address.sun_family = AF_UNIX;
  if (options_.socket_path.size() >= sizeof(address.sun_path)) {
    return absl::InvalidArgumentError(
        absl::StrCat("shim socket path is too long: ", options_.socket_path));
  }
  std::strcpy(address.sun_path, options_.socket_path.c_str());
  ::unlink(options_.socket_path.c_str());
  listener_.Reset(::socket(AF_UNIX, SOCK_STREAM | SOCK_CLOEXEC | SOCK_NONBLOCK, 0));
  if (!listener_.valid() ||
      ::bind(listener_.get(), reinterpret_cast<sockaddr*>(&address), sizeof(address)) != 0 ||
      ::listen(listener_.get(), 64) != 0) {
    return absl::ErrnoToStatus(errno, "listen on " + options_.socket_path);
  }
  ::chmod(options_.socket_path.c_str(), 0600);
  struct stat socket_stat;
  if (::stat(options_.socket_path.c_str(), &socket_stat) == 0) socket_inode_ = socket_stat.st_ino;

  auto layout = host::DetectCgroupLayout();
  auto cgroup = cgroup::Cgroup::Create(create.cgroup().path(),
                                       layout.version == 2 ? cgroup::Version::kV2 : cgroup::Version::kV1,
                                       "/sys/fs/cgroup", create.cgroup().driver() == "systemd");
  if (!cgroup.ok()) return cgroup.status();
  cgroup_ = *std::move(cgroup);
  if (create.cgroup().driver() == "systemd") {
    scope_ = std::make_unique<cgroup::SystemdScope>(options_.systemd_helper, create.cgroup().unit(),
                                                   create.cgroup().slice());
  }
  device_rules_ = ContainerDeviceRules(create);
  absl::Status applied = cgroup_->Apply(ToCgroupResources(create.resources()));
  if (applied.ok()) applied = cgroup_->ApplyDevices(device_rules_);
  if (!applied.ok()) {
    RemoveCgroup().IgnoreError();
    return applied;
  }
  logging::LogDriverOptions log_options;
  log_options.driver = create.log_driver().empty() ? logging::kJsonFileDriver : create.log_driver();
  log_options.path = create.log_path();
  log_options.max_size = create.log_max_size();
  log_options.max_files = std::max(1, create.log_max_files());
  if (create.log_max_line_size() != 0) log_options.max_line_size = create.log_max_line_size();
  auto log = logging::OpenLogDriver(log_options);
  if (!log.ok()) {
    RemoveCgroup().IgnoreError();
    return log.status();
  }
  log_ = *std::move(log);
  if (absl::Status status = SpawnContainer(); !status.ok()) {
    RemoveCgroup().IgnoreError();
    return status;
  }
  Watch(listener_.get(), EPOLLIN);
  Watch(signals_.get(), EPOLLIN);
  // Without a notifier the exit's reading of the cgroup has to do.
  if (auto notifier = cgroup_->OpenOomNotifier(); notifier.ok()) {
    oom_notifier_.Reset(*notifier);
    Watch(oom_notifier_.get(), EPOLLIN);
  }
  WatchOutput(main());
  WriteFileAtomically(create.bundle() + "/pid", std::to_string(main().pid)).IgnoreError();
  return main().pid;
}

namespace {

// The user from the image into a spawn's config (the first process's and
// an exec's are different types with the same fields).
template <typename Config>
void ApplyUser(const container::ResolvedUser& user, Config* config) {
  config->uid = user.uid;
  config->gid = user.gid;
  // The primary group is a supplementary one too, as runc sets it.
  config->additional_gids = {user.gid};
  for (gid_t gid : user.additional_gids) {
    if (gid != user.gid) config->additional_gids.push_back(gid);
  }
  bool has_home = false;
  for (const std::string& entry : config->env) has_home |= absl::StartsWith(entry, "HOME=");
  if (!has_home) config->env.push_back("HOME=" + user.home);
}

}  // namespace

template <typename Config>
absl::Status Shim::WireStdio(const v1::Process& spec, Process* process, Config* config,
                             ChildStdio* child) {
  process->terminal = spec.terminal();
  config->terminal = spec.terminal();
  config->rows = static_cast<unsigned short>(spec.console_rows());
  config->cols = static_cast<unsigned short>(spec.console_cols());
  config->console = &process->output[0];
  if (absl::Status status = MakeStdio(spec, process, child); !status.ok()) return status;
  config->stdin_fd = child->in.get();
  config->stdout_fd = child->out.get();
  config->stderr_fd = child->err.get();
  return absl::OkStatus();
}

absl::Status Shim::MakeStdio(const v1::Process& spec, Process* process, ChildStdio* child) {
  if (spec.terminal()) return absl::OkStatus();
  // Pipes the shim reads (stdout, stderr) and, for -i, one it writes.
  int out[2][2];
  for (int i = 0; i < 2; ++i) {
    if (::pipe2(out[i], O_CLOEXEC) != 0) return absl::ErrnoToStatus(errno, "pipe");
    process->output[i].Reset(out[i][0]);
  }
  child->out.Reset(out[0][1]);
  child->err.Reset(out[1][1]);
  if (spec.stdin()) {
    int in[2];
    if (::pipe2(in, O_CLOEXEC) != 0) return absl::ErrnoToStatus(errno, "pipe");
    child->in.Reset(in[0]);
    process->stdin.Reset(in[1]);
  }
  return absl::OkStatus();
}

absl::Status Shim::JoinCgroup(pid_t pid) {
  if (scope_ != nullptr) {
    cgroup::Resources limits = ToCgroupResources(options_.create.resources());
    std::vector<std::string> properties = cgroup::ResourceProperties(limits, cgroup_->version());
    for (std::string& property :
         cgroup::DeviceProperties(device_rules_, fs::ReadFileOrEmpty("/proc/devices"))) {
      properties.push_back(std::move(property));
    }
    if (absl::Status status = scope_->Start(pid, properties); !status.ok()) return status;
    // systemd wrote its rounded values (the CPU quota in whole percent):
    // the exact ones again, and what has no property (v1 swap, cpuset).
    if (absl::Status status = cgroup_->Apply(limits); !status.ok()) return status;
    // Its device list too (v1), where a rule has no systemd name.
    if (absl::Status status = cgroup_->ApplyDevices(device_rules_); !status.ok()) return status;
  }
  return cgroup_->AddProcess(pid);
}

absl::Status Shim::UpdateLimits(const v1::Resources& resources) {
  cgroup::Resources limits = ToCgroupResources(resources);
  if (scope_ != nullptr) {
    // Kept by systemd too, or its next daemon-reload would undo them.
    if (absl::Status status = scope_->SetProperties(cgroup::ResourceProperties(limits, cgroup_->version()));
        !status.ok()) {
      return status;
    }
  }
  return cgroup_->Apply(limits);
}

absl::Status Shim::RemoveCgroup() {
  // systemd stops an emptied scope by itself, usually before the container
  // is deleted: the helper is run only if it has not.
  absl::Status stopped = scope_ != nullptr && cgroup_->InSystemdHierarchy() ? scope_->Stop()
                                                                          : absl::OkStatus();
  absl::Status removed = cgroup_->Destroy();
  return stopped.ok() ? removed : stopped;
}

absl::Status Shim::SpawnContainer() {
  const v1::CreateRequest& create = options_.create;
  const v1::Process& process = create.process();
  container::SpawnConfig config;
  config.rootfs.assign(create.rootfs().begin(), create.rootfs().end());
  config.rootfs_dir = create.bundle() + "/rootfs";
  ::mkdir(config.rootfs_dir.c_str(), 0700);
  config.read_only_root = create.read_only_rootfs();
  config.hostname = create.hostname();
  config.host_network = create.host_network();
  config.network_of_another = create.network_of_another();
  const auto& join = create.join_namespaces();
  if (auto it = join.find("net"); it != join.end()) config.netns_path = it->second;
  if (auto it = join.find("ipc"); it != join.end()) config.ipcns_path = it->second;
  if (auto it = join.find("uts"); it != join.end()) config.utsns_path = it->second;
  if (auto it = join.find("pid"); it != join.end()) config.pidns_path = it->second;
  config.sysctls.insert(create.sysctls().begin(), create.sysctls().end());
  config.args.assign(process.args().begin(), process.args().end());
  if (config.args.empty()) return absl::InvalidArgumentError("no command specified");
  config.env.assign(process.env().begin(), process.env().end());
  config.cwd = process.cwd().empty() ? "/" : process.cwd();
  config.make_cwd = true;

  auto user = container::ResolveUser(
      process.user(), container::RootfsLayers(config.rootfs),
      {process.additional_groups().begin(), process.additional_groups().end()});
  if (!user.ok()) return user.status();
  ApplyUser(*user, &config);

  std::vector<std::string> cap_add(process.cap_add().begin(), process.cap_add().end());
  std::vector<std::string> cap_drop(process.cap_drop().begin(), process.cap_drop().end());
  auto capabilities = container::CapabilityMask(cap_add, cap_drop, create.privileged());
  if (!capabilities.ok()) return capabilities.status();
  config.capabilities = *capabilities;
  config.no_new_privileges = process.no_new_privileges();
  config.seccomp = !process.seccomp_unconfined() && !create.privileged();
  if (!process.seccomp_profile().empty() && !create.privileged()) {
    config.seccomp_profile_json = process.seccomp_profile();
  }
  for (const auto& range : create.uid_mappings()) {
    config.uid_map.push_back({range.container_id(), range.host_id(), range.size()});
  }
  for (const auto& range : create.gid_mappings()) {
    config.gid_map.push_back({range.container_id(), range.host_id(), range.size()});
  }
  if (config.uid_map.empty() != config.gid_map.empty()) {
    return absl::InvalidArgumentError("uid and gid mappings come together");
  }
  config.privileged = create.privileged();
  for (const v1::Device& device : create.devices()) {
    container::DeviceNodeSpec node;
    node.path = device.path();
    node.host_path = device.host_path();
    node.type = device.type().empty() ? 'c' : device.type()[0];
    node.major = static_cast<unsigned int>(device.major());
    node.minor = static_cast<unsigned int>(device.minor());
    node.mode = device.file_mode();
    node.uid = device.uid();
    node.gid = device.gid();
    config.devices.push_back(std::move(node));
  }
  config.masked_paths.assign(create.masked_paths().begin(), create.masked_paths().end());
  config.readonly_paths.assign(create.readonly_paths().begin(), create.readonly_paths().end());
  for (const auto& rlimit : process.rlimits()) {
    config.rlimits.push_back({rlimit.resource(), rlimit.soft(), rlimit.hard()});
  }
  for (const auto& mount : create.mounts()) {
    container::ContainerMount inner;
    inner.type = mount.type();
    inner.source = mount.source();
    inner.destination = mount.target();
    for (const std::string& option : mount.options()) {
      if (option == "ro") {
        inner.read_only = true;
      } else if (option == "idmap") {
        inner.idmap = true;
      } else if (IsPropagation(option)) {
        inner.propagation = option;
      } else if (option != "rw" && option != "rbind" && option != "bind") {
        inner.data += (inner.data.empty() ? "" : ",") + option;
      }
    }
    config.mounts.push_back(std::move(inner));
  }
  if (create.init()) {
    config.mounts.push_back({"bind", options_.init_path, "/sbin/berth-init", true, ""});
    config.args.insert(config.args.begin(), {"/sbin/berth-init", "--"});
  }

  Process& self = main();
  self.keeping = create.buffer_until_attach();
  ChildStdio child;
  if (absl::Status status = WireStdio(process, &self, &config, &child); !status.ok()) return status;
  int oom_score_adj = process.oom_score_adj();
  config.before_start = [this, oom_score_adj](pid_t pid) -> absl::Status {
    if (absl::Status status = JoinCgroup(pid); !status.ok()) return status;
    if (oom_score_adj != 0) {
      std::ofstream file(absl::StrCat("/proc/", pid, "/oom_score_adj"));
      file << oom_score_adj;
      file.flush();
      if (!file) {
        return absl::PermissionDeniedError(absl::StrCat(
            "oom_score_adj ", oom_score_adj, ": not permitted on this host (needs CAP_SYS_RESOURCE "
            "for values below the current one)"));
      }
    }
    return absl::OkStatus();
  };
  auto pid = container::Spawn(config);
  if (!pid.ok()) return pid.status();
  self.pid = *pid;
  // The terminal: one descriptor both ways.
  if (self.terminal && process.stdin()) {
    self.stdin.Reset(::fcntl(self.output[0].get(), F_DUPFD_CLOEXEC, 0));
  }
  return absl::OkStatus();
}

void Shim::WatchOutput(Process& process) {
  for (int i = 0; i < 2; ++i) {
    if (!process.output[i].valid()) continue;
    ::fcntl(process.output[i].get(), F_SETFL, O_NONBLOCK);
    outputs_[process.output[i].get()] = {process.id, i};
    Watch(process.output[i].get(), EPOLLIN);
  }
}

absl::StatusOr<pid_t> Shim::StartExec(Process& exec) {
  const v1::CreateRequest& create = options_.create;
  const v1::Process& process = exec.spec;
  container::ExecConfig config;
  config.target = main().pid;
  config.args.assign(process.args().begin(), process.args().end());
  if (config.args.empty()) return absl::InvalidArgumentError("no command specified");
  config.env.assign(process.env().begin(), process.env().end());
  config.cwd = process.cwd().empty() ? "/" : process.cwd();
  std::vector<berth::shim::v1::Mount> rootfs(create.rootfs().begin(), create.rootfs().end());
  auto user = container::ResolveUser(
      process.user(), container::RootfsLayers(rootfs),
      {process.additional_groups().begin(), process.additional_groups().end()});
  if (!user.ok()) return user.status();
  ApplyUser(*user, &config);
  bool privileged = create.privileged() || process.privileged();
  std::vector<std::string> cap_add(process.cap_add().begin(), process.cap_add().end());
  std::vector<std::string> cap_drop(process.cap_drop().begin(), process.cap_drop().end());
  auto capabilities = container::CapabilityMask(cap_add, cap_drop, privileged);
  if (!capabilities.ok()) return capabilities.status();
  config.capabilities = *capabilities;
  config.no_new_privileges = process.no_new_privileges();
  config.seccomp = !process.seccomp_unconfined() && !privileged;
  if (!process.seccomp_profile().empty() && !privileged) {
    config.seccomp_profile_json = process.seccomp_profile();
  }
  for (const auto& rlimit : process.rlimits()) {
    config.rlimits.push_back({rlimit.resource(), rlimit.soft(), rlimit.hard()});
  }
  ChildStdio child;
  if (absl::Status status = WireStdio(process, &exec, &config, &child); !status.ok()) return status;
  config.before_start = [this](pid_t pid) { return cgroup_->AddProcess(pid); };
  auto pid = container::SpawnExec(config);
  if (!pid.ok()) {
    for (UniqueFd& fd : exec.output) fd.Reset();
    exec.stdin.Reset();
    return pid.status();
  }
  exec.pid = *pid;
  if (exec.terminal && process.stdin()) {
    exec.stdin.Reset(::fcntl(exec.output[0].get(), F_DUPFD_CLOEXEC, 0));
  }
  WatchOutput(exec);
  return *pid;
}

void Shim::Run() {
  ReleaseStartupPages();
  epoll_event events[32];
  while (!(deleted_ && connections_.empty())) {
    int n = ::epoll_wait(epoll_.get(), events, 32, deleted_ ? 100 : -1);
    if (n < 0 && errno == EINTR) continue;
    if (n <= 0 && deleted_) break;  // last replies flushed or given up on
    for (int i = 0; i < n; ++i) {
      int fd = events[i].data.fd;
      if (fd == oom_notifier_.get()) {
        if (cgroup_->OomKillNoticed(fd)) oom_killed_ = true;
      } else if (fd == signals_.get()) {
        OnSignal();
      } else if (fd == listener_.get()) {
        OnAccept();
      } else if (auto output = outputs_.find(fd); output != outputs_.end()) {
        auto [id, index] = output->second;
        auto process = processes_.find(id);
        if (process != processes_.end()) OnOutput(process->second, index);
      } else if (connections_.count(fd) > 0) {
        if (events[i].events & EPOLLOUT) OnWritable(fd);
        if (connections_.count(fd) > 0 && (events[i].events & (EPOLLIN | EPOLLHUP | EPOLLERR))) {
          OnReadable(fd);
        }
      }
    }
  }
}

void Shim::OnSignal() {
  signalfd_siginfo info;
  while (::read(signals_.get(), &info, sizeof(info)) == sizeof(info)) {
  }
  // Reap everything: the container's processes and the orphans of its
  // namespace that were reparented to us.
  while (true) {
    int status = 0;
    pid_t pid = ::waitpid(-1, &status, WNOHANG);
    if (pid <= 0) break;
    for (auto& [id, process] : processes_) {
      if (process.pid == pid && !process.exited) {
        OnExited(process, status);
        break;
      }
    }
  }
}

void Shim::OnExited(Process& process, int status) {
  process.exited = true;
  process.exited_at = absl::Now();
  process.exit_status = WIFEXITED(status) ? WEXITSTATUS(status) : 128 + WTERMSIG(status);
  if (process.id.empty()) {
    // The notifier may be ready in the same wakeup as this exit.
    if (oom_notifier_.valid() && cgroup_->OomKillNoticed(oom_notifier_.get())) oom_killed_ = true;
    if (auto stats = cgroup_->ReadStats(); stats.ok() && stats->oom_kills > 0) oom_killed_ = true;
    // Exec'd processes do not outlive the container (its pid namespace
    // takes them along; this covers the ones that were not in it).
    for (auto& [id, exec] : processes_) {
      if (!id.empty() && exec.pid > 0 && !exec.exited) ::kill(exec.pid, SIGKILL);
    }
    if (options_.create.join_namespaces().count("pid") > 0) KillRemaining();
  } else {
    // What an exec wrote is in its pipes by now; a child it left running
    // in the background does not hold the exec open (the container's
    // first process, whose output is its log, waits for every writer).
    for (int i = 0; i < 2; ++i) {
      if (process.output[i].valid()) OnOutput(process, i);
      if (process.output[i].valid()) {
        outputs_.erase(process.output[i].get());
        ::epoll_ctl(epoll_.get(), EPOLL_CTL_DEL, process.output[i].get(), nullptr);
        process.output[i].Reset();
      }
    }
  }
  MaybeFinish(process);
}

// Without a PID namespace of its own (--pid host or container:, a pod's)
// no init's exit takes the rest of the container along, and a process it
// left behind would hold its output open: killed, as containerd's shim
// kills all on exit then. Frozen meanwhile, so that none forks away.
void Shim::KillRemaining() {
  bool frozen = cgroup_->Freeze(true).ok();
  for (pid_t pid : cgroup_->Processes()) ::kill(pid, SIGKILL);
  if (frozen || paused_) cgroup_->Freeze(false).IgnoreError();
  paused_ = false;
}

bool Shim::OnOutput(Process& process, int index) {
  char buffer[32 * 1024];
  UniqueFd& source = process.output[index];
  while (true) {
    ssize_t n = ::read(source.get(), buffer, sizeof(buffer));
    if (n < 0 && errno == EINTR) continue;
    if (n < 0 && errno == EAGAIN) return true;
    // A terminal whose last slave closed reads EIO: its EOF.
    if (n <= 0) {
      outputs_.erase(source.get());
      ::epoll_ctl(epoll_.get(), EPOLL_CTL_DEL, source.get(), nullptr);
      source.Reset();
      MaybeFinish(process);
      return false;
    }
    std::string_view data(buffer, static_cast<size_t>(n));
    // Only the container's first process writes its log, as docker's;
    // a terminal's output is its stdout.
    if (process.id.empty()) {
      if (absl::Status status = log_->Write(kStreams[index], data, absl::Now()); !status.ok()) {
        std::fprintf(stderr, "berth-shim: log: %s\n", std::string(status.message()).c_str());
      }
    }
    v1::IOFrame io;
    io.set_fd(index + 1);
    io.set_data(buffer, static_cast<size_t>(n));
    std::string payload = io.SerializeAsString();
    if (process.keeping) {
      process.kept_bytes += payload.size();
      if (process.kept_bytes <= kMaxKept) {
        process.kept.push_back(payload);
      } else {
        process.keeping = false;
        process.kept.clear();
      }
    }
    for (auto& [fd, connection] : connections_) {
      for (const Attachment& attachment : connection.attachments) {
        if (attachment.exec_id != process.id) continue;
        if ((index == 0 && attachment.stdout) || (index == 1 && attachment.stderr)) {
          Send(connection, {attachment.stream, FrameType::kData, 0, payload});
        }
      }
    }
  }
}

// The exit counts once the output it wrote is delivered (and, for the
// container's first process, in the log): then the exit file is written,
// waiters answered and attached streams ended.
void Shim::MaybeFinish(Process& process) {
  if (!process.exited || process.finished || process.output[0].valid() ||
      process.output[1].valid()) {
    return;
  }
  process.finished = true;
  process.stdin.Reset();
  // What was kept stays for the attach that is on its way.
  process.keeping = false;
  if (process.id.empty()) {
    log_->Flush(absl::Now()).IgnoreError();
    WriteExitFile();
  }
  std::string record = ExitRecord(process).SerializeAsString();
  v1::IOFrame eof;
  eof.set_eof(true);
  std::string eof_payload = eof.SerializeAsString();
  for (auto& [fd, connection] : connections_) {
    std::vector<Waiter> waiting;
    for (const Waiter& waiter : connection.waits) {
      if (waiter.exec_id == process.id) {
        Reply(connection, waiter.stream, record);
      } else {
        waiting.push_back(waiter);
      }
    }
    connection.waits = std::move(waiting);
    std::vector<Attachment> attached;
    for (const Attachment& attachment : connection.attachments) {
      if (attachment.exec_id == process.id) {
        Send(connection, {attachment.stream, FrameType::kData, kEndOfStream, eof_payload});
      } else {
        attached.push_back(attachment);
      }
    }
    connection.attachments = std::move(attached);
  }
  if (!process.id.empty()) ForgetOldExecs(process.id);
}

void Shim::ForgetOldExecs(const std::string& keep) {
  std::vector<std::pair<absl::Time, std::string>> finished;
  for (const auto& [id, exec] : processes_) {
    if (!id.empty() && id != keep && exec.finished) finished.emplace_back(exec.exited_at, id);
  }
  if (finished.size() < kMaxFinishedExecs) return;
  std::sort(finished.begin(), finished.end());
  for (size_t i = 0; i + kMaxFinishedExecs <= finished.size(); ++i) {
    processes_.erase(finished[i].second);
  }
}

v1::WaitResponse Shim::ExitRecord(const Process& process) const {
  v1::WaitResponse record;
  record.set_exit_status(process.exit_status);
  record.set_oom_killed(process.id.empty() && oom_killed_);
  record.set_exited_at_unix_nano(absl::ToUnixNanos(process.exited_at));
  return record;
}

void Shim::WriteExitFile() const {
  absl::Status status = WriteFileAtomically(options_.create.bundle() + "/exit",
                                            ExitRecord(main()).SerializeAsString());
  if (!status.ok()) std::fprintf(stderr, "berth-shim: %s\n", std::string(status.message()).c_str());
}

absl::StatusOr<Shim::Process*> Shim::Find(const std::string& exec_id) {
  auto it = processes_.find(exec_id);
  if (it == processes_.end()) {
    return absl::NotFoundError(absl::StrCat("No such exec instance: ", exec_id));
  }
  return &it->second;
}

void Shim::OnAccept() {
  while (true) {
    int fd = ::accept4(listener_.get(), nullptr, nullptr, SOCK_CLOEXEC | SOCK_NONBLOCK);
    if (fd < 0) return;
    connections_[fd].fd.Reset(fd);
    Watch(fd, EPOLLIN);
  }
}

void Shim::OnReadable(int fd) {
  Connection& connection = connections_[fd];
  char buffer[16 * 1024];
  while (true) {
    ssize_t n = ::read(fd, buffer, sizeof(buffer));
    if (n < 0 && errno == EINTR) continue;
    if (n < 0 && errno == EAGAIN) break;
    if (n <= 0 || !connection.decoder.Feed(buffer, static_cast<size_t>(n)).ok()) {
      CloseConnection(fd);
      return;
    }
    while (auto frame = connection.decoder.Next()) {
      if (frame->type == FrameType::kRequest) {
        Dispatch(connection, *frame);
      } else if (frame->type == FrameType::kData) {
        HandleData(connection, *frame);
      }
      if (connections_.count(fd) == 0) return;
    }
  }
}

void Shim::OnWritable(int fd) { Flush(connections_[fd]); }

void Shim::Send(Connection& connection, Frame frame) {
  if (connection.closing) return;
  connection.outbox += EncodeFrame(frame);
  if (connection.outbox.size() > kMaxOutbox) {
    connection.closing = true;
    connection.outbox.clear();
    ::shutdown(connection.fd.get(), SHUT_RDWR);
    return;
  }
  Flush(connection);
}

void Shim::Flush(Connection& connection) {
  while (!connection.outbox.empty()) {
    ssize_t n = ::send(connection.fd.get(), connection.outbox.data(), connection.outbox.size(),
                       MSG_NOSIGNAL);
    if (n < 0 && errno == EINTR) continue;
    if (n < 0 && errno == EAGAIN) break;
    if (n <= 0) {
      connection.outbox.clear();
      connection.closing = true;
      ::shutdown(connection.fd.get(), SHUT_RDWR);
      return;
    }
    connection.outbox.erase(0, static_cast<size_t>(n));
  }
  Watch(connection.fd.get(), connection.outbox.empty() ? EPOLLIN : EPOLLIN | EPOLLOUT);
}

void Shim::CloseConnection(int fd) {
  ::epoll_ctl(epoll_.get(), EPOLL_CTL_DEL, fd, nullptr);
  connections_.erase(fd);
}

void Shim::Reply(Connection& connection, uint32_t stream,
                 const absl::StatusOr<std::string>& payload, bool end_of_stream) {
  v1::Response response;
  if (payload.ok()) {
    response.set_payload(*payload);
  } else {
    response.set_code(static_cast<int>(payload.status().code()));
    response.set_message(std::string(payload.status().message()));
  }
  Send(connection, {stream, FrameType::kResponse,
                    static_cast<uint8_t>(end_of_stream ? kEndOfStream : 0),
                    response.SerializeAsString()});
}

}  // namespace berth::shim
