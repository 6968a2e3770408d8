#ifndef BERTH_SERVICES_TASKS_TASK_MANAGER_H_
#define BERTH_SERVICES_TASKS_TASK_MANAGER_H_

// The running side of containers: a shim per started container, a thread
// per shim waiting for its exit, the state changes and events that follow
// (die, oom, restart by policy with docker's back-off, --rm), and the
// recovery of every shim after the tasks service restarts.

#include <atomic>
#include <functional>
#include <map>
#include <memory>
#include <string>

#include "absl/status/statusor.h"
#include "absl/synchronization/mutex.h"
#include "absl/time/time.h"
#include "berth/network/v1/network.grpc.pb.h"
#include "berth/shim/v1/shim.pb.h"
#include "berth/snapshots/v1/snapshots.grpc.pb.h"
#include "berth/tasks/v1/tasks.pb.h"
#include "services/tasks/container_store.h"
#include "services/tasks/events.h"

namespace berth::tasks {

class HealthMonitor;

struct TaskManagerOptions {
  // <data-root>/tasks
  std::string data_dir;
  // <exec-root>: shims live under <exec-root>/shims/<id>.
  std::string exec_root;
  std::string shim_binary;
  // cgroupfs or systemd; cgroup_parent is a slice under systemd.
  std::string cgroup_driver = "cgroupfs";
  std::string cgroup_parent = "berth";
  int64_t log_max_size = 0;
  int log_max_files = 1;
  // userns-remap's maps; empty when the daemon does not remap.
  std::vector<berth::shim::v1::IDMap> uid_map;
  std::vector<berth::shim::v1::IDMap> gid_map;
  // What --add-host NAME:host-gateway stands for (ContainerNetworks).
  std::function<absl::StatusOr<std::string>()> host_gateway;
};

// How Start is being asked for.
struct StartOptions {
  // An attach follows (run, start -a): the shim keeps the process's output
  // until the attach arrives with replay.
  bool attach = false;
  // Runs once the shim runs the process and before its exit can be
  // collected (the shim is still there to attach to).
  std::function<void()> launched;
  // The terminal's size at start (tty containers); 0 for the default.
  uint32_t rows = 0;
  uint32_t cols = 0;
};

class TaskManager {
 public:
  TaskManager(TaskManagerOptions options, ContainerStore* store, EventBroker* events,
              std::shared_ptr<berth::snapshots::v1::Snapshots::StubInterface> snapshots,
              std::shared_ptr<berth::snapshots::v1::Volumes::StubInterface> volumes,
              std::shared_ptr<berth::network::v1::Networks::StubInterface> networks)
      : options_(std::move(options)),
        store_(store),
        events_(events),
        snapshots_(std::move(snapshots)),
        volumes_(std::move(volumes)),
        networks_(std::move(networks)) {}

  // Reconnects to the shims of running containers, collects the exits that
  // happened meanwhile, removes shims of containers that are gone; when
  // berthd itself (not just this service) started, starts the containers
  // whose restart policy asks for it. A daemon start with live-restore off
  // stops the containers it finds running (a killed berthd left them).
  void Recover(bool daemon_start, bool live_restore = true);

  // Runs the health checks of the containers this starts; set before
  // Recover.
  void SetHealthMonitor(HealthMonitor* health) { health_ = health; }

  // berthd's orderly stop with live-restore off, as dockerd's Shutdown:
  // every running container at once gets its stop signal and its stop
  // timeout, then SIGKILL. These exits start no restart policy and are not
  // stops by hand, so the next daemon start brings back the containers
  // whose policy asks. Returns when all have exited, or after
  // max(shutdown_timeout, the longest stop timeout + 5) seconds; a negative
  // shutdown_timeout waits for as long as they take.
  void Shutdown(int shutdown_timeout);

  // Each `ref` is resolved in namespace `ns` (ContainerStore::Resolve).
  absl::Status Start(const std::string& ns, const std::string& ref,
                     const StartOptions& options = {});
  // signal empty: the container's stop signal; timeout < 0: its own.
  absl::Status Stop(const std::string& ns, const std::string& ref, int timeout_seconds,
                    const std::string& signal);
  absl::Status Restart(const std::string& ns, const std::string& ref, int timeout_seconds,
                       const std::string& signal);
  absl::Status Kill(const std::string& ns, const std::string& ref, const std::string& signal);
  absl::Status Pause(const std::string& ns, const std::string& ref);
  absl::Status Resume(const std::string& ns, const std::string& ref);
  // The shim opens the container's log again at its path (the kubelet
  // rotated it); FailedPrecondition unless running.
  absl::Status ReopenLog(const std::string& ns, const std::string& ref);
  absl::Status UpdateResources(const std::string& ns, const std::string& ref,
                               const v1::Resources& resources);
  // Keeps a container's exit answerable to Wait by id after the container
  // is removed, for as long as it lives: a waiter that takes it before
  // Start (run, start -a: docker's wait registered before start) gets the
  // exit code even when --rm removed the container first.
  // Attaches that wait for the container's next start (docker's attach
  // before start): Start asks the shim to keep the output and runs
  // on_launch where it runs StartOptions.launched. registered runs once a
  // start would find the waiter (the client may send its start from then
  // on). Returns kStarted once on_launch ran, kRunning if the container was
  // found running without it (open the attachment now), or an error:
  // cancelled, removed, or the start failed.
  enum class AwaitedStart { kStarted, kRunning };
  absl::StatusOr<AwaitedStart> AwaitStart(const std::string& id, std::function<void()> on_launch,
                                          const std::function<void()>& registered,
                                          const std::function<bool()>& cancelled);

  class ExitHold {
   public:
    ExitHold(TaskManager* manager, std::string id);
    ~ExitHold();
    ExitHold(const ExitHold&) = delete;
    ExitHold& operator=(const ExitHold&) = delete;
   private:
    TaskManager* manager_;
    std::string id_;
  };

  // condition: not-running (default), next-exit, removed. Returns when it
  // holds or cancelled() turns true. A removed container still answers by
  // its full id while an ExitHold keeps it.
  absl::StatusOr<v1::WaitResponse> Wait(const std::string& ns, const std::string& ref,
                                        const std::string& condition,
                                        const std::function<bool()>& cancelled);
  // Removes the record, its snapshot, files and volumes' registrations;
  // force kills a running container first.
  absl::Status Remove(const std::string& ns, const std::string& ref, bool force,
                      bool remove_volumes);

  absl::StatusOr<berth::shim::v1::Stats> Stats(const std::string& id);
  absl::StatusOr<std::vector<int>> Pids(const std::string& ns, const std::string& ref);

  // A container event (docker's actions: start, die, exec_create: CMD...).
  void Publish(const Container& container, const std::string& action,
               std::map<std::string, std::string> attributes = {});

  std::string ContainerDir(const std::string& id) const;
  std::string BundleDir(const std::string& id) const;
  // The tmpfs a container whose IPC namespace may be joined has as its
  // /dev/shm (see ipc_shm.h).
  std::string ShmDir(const std::string& id) const;
  // Its shim's bundle, its /dev/shm unmounted first.
  void RemoveBundle(const std::string& id) const;

 private:
  struct StartWaiter {
    std::function<void()> on_launch;
    // Taken by a Start; done once on_launch ran (or the start failed).
    bool taken = false;
    bool done = false;
    bool failed = false;
  };
  struct Runtime {
    uint64_t exits = 0;
    v1::WaitResponse last_exit;
    bool removed = false;
    // The namespace of a removed container: its Wait answers there only.
    std::string ns;
    // When it was removed: its exit code still answers a Wait that comes
    // just after an attach ended (run --rm), for a minute.
    absl::Time removed_at;
    // ExitHolds on it: a removed container's entry stays while one does.
    int holds = 0;
    bool starting = false;
    absl::Time started;
    absl::Duration backoff = absl::ZeroDuration();
    std::vector<std::shared_ptr<StartWaiter>> start_waiters;
  };

  absl::Status StartResolved(const Container& container, const StartOptions& options = {});
  void Monitor(const std::string& id);
  void HandleExit(const std::string& id, const berth::shim::v1::WaitResponse& exit);
  void ScheduleRestart(const std::string& id, absl::Duration delay);
  // The stop signal, timeout seconds, then SIGKILL until it has exited.
  absl::Status StopTask(const Container& container, int signal, int timeout_seconds);
  // A container's own stop signal and timeout, or docker's SIGTERM and 10 s.
  static int StopSignal(const Container& container);
  static int StopTimeout(const Container& container);
  bool ShouldRestart(const Container& container) const;
  absl::Status ShimCall(const std::string& id, const std::string& method,
                        const google::protobuf::MessageLite& request,
                        google::protobuf::MessageLite* response) const;
  // SIGKILL to every process of the container until its exit count passes
  // `before`: asked again when the shim misses a deadline.
  absl::Status KillUntilExit(const std::string& id, uint64_t before);
  // The shim's Delete (its cgroup, then its exit), asked again when busy.
  void DeleteShim(const std::string& id);
  // Waits until the container's exit count passes `after`.
  bool AwaitExit(const std::string& id, uint64_t after, absl::Duration timeout);
  uint64_t ExitCount(const std::string& id);
  // The network namespace of a bridge container, from the network service.
  absl::StatusOr<berth::network::v1::Sandbox> CreateSandbox(const Container& container);
  // The address for --add-host NAME:host-gateway, if the spec has one.
  std::string HostGateway(const v1::ContainerSpec& spec) const;
  // container_removed: its network connects are forgotten too.
  // A failure (the network service down) schedules a sweep.
  void RemoveSandbox(const std::string& id, const std::string& endpoint_id = "",
                     bool container_removed = false);
  // Releases the sandboxes of containers that do not run; false when the
  // network service did not answer within `attempts` tries.
  bool ReleaseOrphanSandboxes(int attempts);
  // ReleaseOrphanSandboxes every 5 s until it succeeds, on one thread.
  void ScheduleSandboxSweep();

  std::atomic<bool> sweep_scheduled_{false};
  TaskManagerOptions options_;
  ContainerStore* store_;
  EventBroker* events_;
  std::shared_ptr<berth::snapshots::v1::Snapshots::StubInterface> snapshots_;
  std::shared_ptr<berth::snapshots::v1::Volumes::StubInterface> volumes_;
  std::shared_ptr<berth::network::v1::Networks::StubInterface> networks_;
  HealthMonitor* health_ = nullptr;
  // Set by Shutdown: exits from then on restart nothing.
  std::atomic<bool> shutting_down_{false};
  absl::Mutex mu_;
  std::map<std::string, Runtime> runtime_ ABSL_GUARDED_BY(mu_);
};

bool IsRunning(const Container& container);

}  // namespace berth::tasks

#endif  // BERTH_SERVICES_TASKS_TASK_MANAGER_H_
