#include "services/berthd/supervisor.h"

#include <fcntl.h>
#include <signal.h>
#include <sys/prctl.h>
#include <sys/socket.h>
#include <sys/un.h>
#include <sys/wait.h>
#include <unistd.h>

#include <cstring>

#include "absl/strings/str_cat.h"
#include "absl/time/clock.h"
#include "services/common/base/log.h"

namespace berth::berthd {
namespace {

std::string DescribeExit(int wait_status) {
  if (WIFEXITED(wait_status)) return absl::StrCat("exit status ", WEXITSTATUS(wait_status));
  if (WIFSIGNALED(wait_status)) {
    return absl::StrCat("killed by signal ", WTERMSIG(wait_status), " (",
                        strsignal(WTERMSIG(wait_status)), ")");
  }
  return absl::StrCat("wait status ", wait_status);
}

}  // namespace

bool SocketAccepts(const std::string& path) {
  int fd = ::socket(AF_UNIX, SOCK_STREAM | SOCK_CLOEXEC, 0);
  if (fd < 0) return false;
  sockaddr_un addr{};
  addr.sun_family = AF_UNIX;
  if (path.size() >= sizeof(addr.sun_path)) {
    ::close(fd);
    return false;
  }
  std::memcpy(addr.sun_path, path.c_str(), path.size() + 1);
  bool ok = ::connect(fd, reinterpret_cast<sockaddr*>(&addr), sizeof(addr)) == 0;
  ::close(fd);
  return ok;
}

Supervisor::Supervisor(std::vector<ServiceSpec> specs, Backends* backends,
                       metrics::Registry* registry)
    : backends_(backends), registry_(registry) {
  for (ServiceSpec& spec : specs) {
    Entry entry;
    entry.status.name = spec.name;
    entry.status.state = "stopped";
    entry.status.socket_path = spec.socket_path;
    entry.spec = std::move(spec);
    entries_.push_back(std::move(entry));
  }
}

void Supervisor::PublishState(const Entry& entry) {
  registry_->Gauge("berth_service_up", "Whether the service process is running and serving.",
                   {"service"})
      .WithLabels({entry.spec.name})
      .Set(entry.status.state == "running" ? 1 : 0);
}

void Supervisor::Spawn(Entry& entry) {
  // argv is built before fork: the child of a threaded process may only make
  // async-signal-safe calls until execv.
  std::vector<std::string> args = {entry.spec.binary};
  args.insert(args.end(), entry.spec.args.begin(), entry.spec.args.end());
  std::vector<char*> argv;
  for (std::string& arg : args) argv.push_back(arg.data());
  argv.push_back(nullptr);
  pid_t parent = ::getpid();

  pid_t pid = ::fork();
  if (pid == 0) {
    // A service must not outlive berthd (a new berthd starts fresh ones);
    // SIGTERM lets it stop gracefully. Containers are not its children.
    ::prctl(PR_SET_PDEATHSIG, SIGTERM);
    if (::getppid() != parent) ::_exit(1);
    // Own process group: a Ctrl-C at berthd's terminal reaches berthd only,
    // which then stops the services in order.
    ::setpgid(0, 0);
    sigset_t none;
    sigemptyset(&none);
    ::sigprocmask(SIG_SETMASK, &none, nullptr);
    ::execv(argv[0], argv.data());
    const char msg[] = "berthd: cannot execute service binary\n";
    ssize_t ignored = ::write(STDERR_FILENO, msg, sizeof(msg) - 1);
    (void)ignored;
    ::_exit(127);
  }
  if (pid < 0) {
    entry.status.state = "backoff";
    entry.status.last_error = absl::StrCat("fork: ", strerror(errno));
    entry.restart_at = absl::Now() + entry.backoff;
    return;
  }
  entry.status.pid = pid;
  entry.status.state = "starting";
  entry.status.started_at = absl::Now();
  // A new channel: the old one may sit in gRPC's reconnect back-off.
  backends_->Set(entry.spec.name, Backends::Dial(entry.spec.socket_path));
  BERTH_LOG(Info) << "started " << entry.spec.name << " (pid " << pid << ")";
  PublishState(entry);
}

absl::Status Supervisor::StartAll(absl::Duration timeout) {
  {
    absl::MutexLock lock(&mu_);
    for (Entry& entry : entries_) {
      if (::access(entry.spec.binary.c_str(), X_OK) != 0) {
        return absl::NotFoundError(
            absl::StrCat("service binary ", entry.spec.binary, " not found or not executable"));
      }
      Spawn(entry);
    }
  }
  absl::Time deadline = absl::Now() + timeout;
  while (absl::Now() < deadline) {
    HandleChildExits();
    Tick();
    bool all_running = true;
    {
      absl::MutexLock lock(&mu_);
      for (const Entry& entry : entries_) all_running &= entry.status.state == "running";
    }
    if (all_running) return absl::OkStatus();
    absl::SleepFor(absl::Milliseconds(20));
  }
  std::string waiting;
  absl::MutexLock lock(&mu_);
  for (const Entry& entry : entries_) {
    if (entry.status.state != "running") {
      absl::StrAppend(&waiting, waiting.empty() ? "" : ", ", entry.spec.name, " (",
                      entry.status.state,
                      entry.status.last_error.empty() ? "" : ": " + entry.status.last_error, ")");
    }
  }
  return absl::DeadlineExceededError(absl::StrCat("services did not start: ", waiting));
}

void Supervisor::HandleChildExits() {
  while (true) {
    int wait_status = 0;
    pid_t pid = ::waitpid(-1, &wait_status, WNOHANG);
    if (pid <= 0) return;
    absl::MutexLock lock(&mu_);
    for (Entry& entry : entries_) {
      if (entry.status.pid != pid) continue;
      absl::Duration uptime = absl::Now() - entry.status.started_at;
      entry.status.pid = 0;
      entry.status.last_error = DescribeExit(wait_status);
      if (stopping_) {
        entry.status.state = "stopped";
        PublishState(entry);
        break;
      }
      if (uptime >= kStableAfter) {
        entry.quick_exits = 0;
        entry.backoff = kInitialBackoff;
      } else {
        entry.quick_exits++;
      }
      entry.restart_at = absl::Now() + entry.backoff;
      if (entry.quick_exits >= kCrashLoopExits) {
        entry.status.state = "crash-loop";
        BERTH_LOG(Error) << "service " << entry.spec.name << " is crash-looping ("
                         << entry.quick_exits << " exits within " << kStableAfter
                         << " of starting; last: " << entry.status.last_error
                         << "), next try in " << entry.backoff;
      } else {
        entry.status.state = "backoff";
        BERTH_LOG(Warn) << "service " << entry.spec.name << " " << entry.status.last_error
                        << ", restarting in " << entry.backoff;
      }
      entry.backoff = std::min(entry.backoff * 2, kMaxBackoff);
      PublishState(entry);
      break;
    }
  }
}

void Supervisor::Tick() {
  absl::MutexLock lock(&mu_);
  if (stopping_) return;
  absl::Time now = absl::Now();
  for (Entry& entry : entries_) {
    if ((entry.status.state == "backoff" || entry.status.state == "crash-loop") &&
        now >= entry.restart_at) {
      entry.status.restarts++;
      registry_
          ->Counter("berth_service_restarts_total",
                    "Times berthd restarted a service process after it exited.", {"service"})
          .WithLabels({entry.spec.name})
          .Increment();
      bool crash_looping = entry.status.state == "crash-loop";
      Spawn(entry);
      // Keep reporting the loop until the process proves stable.
      if (crash_looping) entry.status.state = "crash-loop";
    } else if (entry.status.state == "starting" ||
               (entry.status.state == "crash-loop" && entry.status.pid != 0)) {
      if (SocketAccepts(entry.spec.socket_path)) {
        if (entry.status.state == "starting" || now - entry.status.started_at >= kStableAfter) {
          entry.status.state = "running";
          PublishState(entry);
        }
      }
    }
  }
}

void Supervisor::SignalRunning(int sig) {
  absl::MutexLock lock(&mu_);
  for (Entry& entry : entries_) {
    if (entry.status.pid > 0 && entry.status.state == "running") ::kill(entry.status.pid, sig);
  }
}

void Supervisor::StopAll(absl::Duration grace) {
  StopWhere([](const Entry&) { return true; }, grace);
}

void Supervisor::StopFirst(const std::string& name, absl::Duration grace) {
  StopWhere([&name](const Entry& entry) { return entry.spec.name == name; }, grace);
}

void Supervisor::StopWhere(const std::function<bool(const Entry&)>& which,
                           absl::Duration grace) {
  {
    absl::MutexLock lock(&mu_);
    stopping_ = true;
    for (Entry& entry : entries_) {
      if (entry.status.pid > 0 && which(entry)) ::kill(entry.status.pid, SIGTERM);
    }
  }
  absl::Time deadline = absl::Now() + grace;
  while (true) {
    HandleChildExits();
    bool any_alive = false;
    {
      absl::MutexLock lock(&mu_);
      for (const Entry& entry : entries_) any_alive |= entry.status.pid > 0 && which(entry);
    }
    if (!any_alive) return;
    if (absl::Now() >= deadline) break;
    absl::SleepFor(absl::Milliseconds(20));
  }
  absl::MutexLock lock(&mu_);
  for (Entry& entry : entries_) {
    if (entry.status.pid <= 0 || !which(entry)) continue;
    BERTH_LOG(Warn) << "service " << entry.spec.name << " did not stop within " << grace
                    << ", killing it";
    ::kill(entry.status.pid, SIGKILL);
    ::waitpid(entry.status.pid, nullptr, 0);
    entry.status.pid = 0;
    entry.status.state = "stopped";
  }
}

std::vector<ServiceStatus> Supervisor::Snapshot() const {
  absl::MutexLock lock(&mu_);
  std::vector<ServiceStatus> result;
  for (const Entry& entry : entries_) result.push_back(entry.status);
  return result;
}

}  // namespace berth::berthd
