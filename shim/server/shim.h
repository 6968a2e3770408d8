#ifndef BERTH_SHIM_SERVER_SHIM_H_
#define BERTH_SHIM_SERVER_SHIM_H_

// berth-shim: one per container. It starts the container (spawn.h) in its
// cgroup and the processes exec adds to it (exec.h), holds their stdio —
// pipes or a terminal (the container's log for the first process, attached
// clients for all), reaps them and everything they leave behind (it is a
// child subreaper), keeps the exit status until the tasks service collects
// it with Delete, and
// answers the methods of proto/berth/shim/v1 in frames (framing.h) on a
// unix socket. It runs in its own session, so neither the tasks service
// nor berthd dying touches it; a restarted tasks service reconnects.
//
// One thread and one epoll set: a shim costs a few pages, not a runtime.

#include <sys/types.h>

#include <map>
#include <memory>
#include <string>
#include <vector>

#include "absl/status/statusor.h"
#include "absl/time/time.h"
#include "berth/shim/v1/shim.pb.h"
#include "services/common/base/unique_fd.h"
#include "shim/cgroup/cgroup.h"
#include "shim/cgroup/systemd_scope.h"
#include "shim/framing.h"
#include "shim/logging/log_driver.h"

namespace berth::shim {

// The shim API's limits in the cgroup library's terms.
cgroup::Resources ToCgroupResources(const v1::Resources& resources);

struct ShimOptions {
  v1::CreateRequest create;
  // <bundle>/sock
  std::string socket_path;
  // berth-init, bind-mounted into the container for --init.
  std::string init_path;
  // berth-systemd-scope, for the systemd cgroup driver.
  std::string systemd_helper;
};

class Shim {
 public:
  explicit Shim(ShimOptions options) : options_(std::move(options)) {}
  ~Shim();
  Shim(const Shim&) = delete;
  Shim& operator=(const Shim&) = delete;

  // Listens on the socket, makes the cgroup and the log, starts the
  // container. On error nothing is left behind.
  absl::StatusOr<pid_t> Start();
  // Serves until the exit has been collected (Delete).
  void Run();

 private:
  // A process of the container: its first one (id "") or an exec.
  struct Process {
    std::string id;
    // How to start it (execs, until Start).
    v1::Process spec;
    pid_t pid = 0;
    bool terminal = false;
    UniqueFd stdin;      // write end of its stdin (-i), or the terminal
    UniqueFd output[2];  // read ends of stdout and stderr; the terminal in [0]
    // Output kept for the attach that follows the start, as IOFrames.
    std::vector<std::string> kept;
    size_t kept_bytes = 0;
    bool keeping = false;
    // Exit: the process is gone; finished: its output is drained too, and
    // waiters have been answered.
    bool exited = false;
    bool finished = false;
    int exit_status = 0;
    absl::Time exited_at;
  };
  struct Attachment {
    uint32_t stream = 0;
    std::string exec_id;
    bool stdout = false;
    bool stderr = false;
  };
  struct Waiter {
    uint32_t stream = 0;
    std::string exec_id;
  };
  struct Connection {
    UniqueFd fd;
    FrameDecoder decoder;
    std::string outbox;
    std::vector<Waiter> waits;
    std::vector<Attachment> attachments;
    bool closing = false;
  };

  absl::Status SpawnContainer();
  absl::StatusOr<pid_t> StartExec(Process& process);
  void Watch(int fd, uint32_t events);
  void WatchOutput(Process& process);
  void OnSignal();
  void OnAccept();
  void OnReadable(int fd);
  void OnWritable(int fd);
  // Reads what is there; false at EOF (the fd is closed then).
  bool OnOutput(Process& process, int index);
  void OnExited(Process& process, int status);
  void KillRemaining();
  void MaybeFinish(Process& process);
  // Drops the oldest finished execs beyond a bound (never `keep`).
  void ForgetOldExecs(const std::string& keep);
  void Dispatch(Connection& connection, const Frame& frame);
  void HandleData(Connection& connection, const Frame& frame);
  absl::StatusOr<std::string> Call(Connection& connection, uint32_t stream,
                                   const v1::Request& request, bool* deferred);
  absl::StatusOr<std::string> Attach(Connection& connection, uint32_t stream,
                                     const v1::AttachRequest& request, bool* deferred);
  void Reply(Connection& connection, uint32_t stream, const absl::StatusOr<std::string>& payload,
             bool end_of_stream = true);
  void Send(Connection& connection, Frame frame);
  void Flush(Connection& connection);
  void CloseConnection(int fd);
  // The process of an exec id ("" the container's); NotFound otherwise.
  absl::StatusOr<Process*> Find(const std::string& exec_id);
  // The child's ends of a process's stdio pipes (none with a terminal: the
  // child makes the console); the shim's ends go into `process`.
  struct ChildStdio {
    UniqueFd in, out, err;
  };
  static absl::Status MakeStdio(const v1::Process& spec, Process* process, ChildStdio* child);
  // The terminal or pipes into a spawn's config: the first process's and
  // an exec's are different types with the same fields.
  template <typename Config>
  static absl::Status WireStdio(const v1::Process& spec, Process* process, Config* config,
                                ChildStdio* child);

  Process& main() { return processes_[""]; }
  const Process& main() const { return processes_.at(""); }
  v1::WaitResponse ExitRecord(const Process& process) const;
  // Puts the first process into its cgroup (under the systemd driver, its
  // scope first) and applies the limits there.
  absl::Status JoinCgroup(pid_t pid);
  // New limits, also as the scope's properties under the systemd driver.
  absl::Status UpdateLimits(const v1::Resources& resources);
  // Stops the scope, if any, and removes the cgroup.
  absl::Status RemoveCgroup();
  void WriteExitFile() const;

  ShimOptions options_;
  UniqueFd epoll_;
  UniqueFd listener_;
  UniqueFd signals_;
  // Readable when the OOM killer acts in the container's cgroup.
  UniqueFd oom_notifier_;
  std::unique_ptr<cgroup::Cgroup> cgroup_;
  // What the container may do with devices (docker's defaults and its
  // --device and --device-cgroup-rule, or everything when privileged).
  std::vector<cgroup::DeviceRule> device_rules_;
  // Set under the systemd driver: the container's transient scope, which
  // systemd places and the shim fills in (Delegate=yes).
  std::unique_ptr<cgroup::SystemdScope> scope_;
  std::unique_ptr<logging::LogDriver> log_;
  std::map<int, Connection> connections_;
  // By exec id; "" is the container's first process.
  std::map<std::string, Process> processes_;
  // Output fds to their process and stream.
  std::map<int, std::pair<std::string, int>> outputs_;
  ino_t socket_inode_ = 0;
  bool paused_ = false;
  bool deleted_ = false;
  bool oom_killed_ = false;
};

}  // namespace berth::shim

#endif  // BERTH_SHIM_SERVER_SHIM_H_
