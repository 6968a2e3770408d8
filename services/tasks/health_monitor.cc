#include "services/tasks/health_monitor.h"

#include <signal.h>

#include <atomic>

#include "absl/strings/str_cat.h"
#include "absl/strings/str_join.h"
#include "absl/synchronization/notification.h"
#include "services/common/base/log.h"
#include "services/common/fs/fs_util.h"
#include "services/tasks/execs.h"
#include "services/tasks/time_util.h"
#include "shim/client/shim_client.h"

namespace berth::tasks {
namespace {

using berth::shim::ShimAttachment;
using berth::shim::ShimClient;

// A probe whose exec could not run: docker's result for a probe error.
v1::HealthcheckResult Failed(const absl::Status& status) {
  v1::HealthcheckResult result;
  result.set_exit_code(-1);
  result.set_output(std::string(status.message()));
  return result;
}

}  // namespace

HealthMonitor::HealthMonitor(ContainerStore* store, TaskManager* tasks)
    : store_(store), tasks_(tasks), thread_([this] { Loop(); }) {}

HealthMonitor::~HealthMonitor() {
  {
    absl::MutexLock lock(&mu_);
    stopping_ = true;
    changed_ = true;
    entries_.clear();
    // Probe threads use this object until they finish (each within its
    // timeout and the shim's call timeouts).
    auto idle = [this]() ABSL_EXCLUSIVE_LOCKS_REQUIRED(mu_) { return probes_running_ == 0; };
    mu_.Await(absl::Condition(&idle));
  }
  thread_.join();
}

void HealthMonitor::Watch(const std::string& id) {
  auto container = store_->Get(id);
  if (!container || container->state().status() != v1::RUNNING) return;
  auto probe = ProbeOf(container->spec());
  if (!probe) return;
  absl::MutexLock lock(&mu_);
  Entry& entry = entries_[id];
  entry.generation = ++generations_;
  entry.probing = false;
  entry.due = absl::Now() + NextProbeDelay(container->state(), *probe, absl::Now());
  changed_ = true;
}

void HealthMonitor::Unwatch(const std::string& id) {
  absl::MutexLock lock(&mu_);
  entries_.erase(id);
  changed_ = true;
}

void HealthMonitor::Loop() {
  absl::MutexLock lock(&mu_);
  while (!stopping_) {
    absl::Time now = absl::Now();
    absl::Time next = absl::InfiniteFuture();
    for (auto& [id, entry] : entries_) {
      if (entry.probing) continue;
      if (entry.due <= now) {
        entry.probing = true;
        ++probes_running_;
        std::thread([this, id = id, generation = entry.generation] { Probe(id, generation); })
            .detach();
      } else {
        next = std::min(next, entry.due);
      }
    }
    changed_ = false;
    mu_.AwaitWithDeadline(absl::Condition(&changed_), next);
  }
}

void HealthMonitor::Probe(const std::string& id, uint64_t generation) {
  auto container = store_->Get(id);
  std::optional<HealthProbe> probe;
  if (container) probe = ProbeOf(container->spec());
  absl::Time start = absl::Now();
  v1::HealthcheckResult result;
  if (container && probe) result = RunProbe(*container, *probe);
  absl::MutexLock lock(&mu_);
  --probes_running_;
  changed_ = true;
  auto it = entries_.find(id);
  // Unwatched (stopped, paused, removed) meanwhile: docker drops the result
  // of a cancelled probe. A later Watch has its own generation.
  if (it == entries_.end() || it->second.generation != generation) return;
  it->second.probing = false;
  if (!container || !probe) {
    entries_.erase(it);
    return;
  }
  SetTime(result.mutable_start(), start);
  if (!result.has_end()) SetTime(result.mutable_end(), absl::Now());
  bool status_changed = false;
  auto updated = store_->Update(id, [&](Container& c) {
    if (c.state().status() != v1::RUNNING) {
      return absl::FailedPreconditionError("not running");
    }
    status_changed = RecordProbeResult(result, *probe, c.mutable_state());
    return absl::OkStatus();
  });
  if (!updated.ok()) {
    entries_.erase(it);
    return;
  }
  it->second.due = absl::Now() + NextProbeDelay(updated->state(), *probe, absl::Now());
  if (status_changed) tasks_->Publish(*updated, "health_status: " + updated->state().health());
}

v1::HealthcheckResult HealthMonitor::RunProbe(const Container& container,
                                              const HealthProbe& probe) {
  // docker's exec of a probe: no stdin, no terminal, not privileged, the
  // container's user and working directory.
  v1::ProcessSpec process;
  for (const std::string& arg : probe.args) process.add_args(arg);
  process.set_attach_stdout(true);
  process.set_attach_stderr(true);
  berth::shim::v1::ExecRequest exec;
  exec.set_exec_id(fs::RandomHex(32));
  *exec.mutable_process() = BuildExecProcess(container.spec(), process);
  const std::string& exec_id = exec.exec_id();
  const std::string command = absl::StrJoin(probe.args, " ");
  const std::string socket = tasks_->BundleDir(container.id()) + "/sock";
  ShimClient shim(socket);
  tasks_->Publish(container, "exec_create: " + command, {{"execID", exec_id}});
  if (absl::Status status = shim.Call("Exec", exec, nullptr); !status.ok()) {
    return Failed(status);
  }
  berth::shim::v1::AttachRequest attach;
  attach.set_exec_id(exec_id);
  attach.set_stdout(true);
  attach.set_stderr(true);
  auto attachment = ShimAttachment::Open(socket, attach);
  if (!attachment.ok()) return Failed(attachment.status());
  berth::shim::v1::StartRequest start;
  start.set_exec_id(exec_id);
  if (absl::Status status = shim.Call("Start", start, nullptr); !status.ok()) {
    return Failed(status);
  }
  tasks_->Publish(container, "exec_start: " + command, {{"execID", exec_id}});

  // The timeout counts from the start, as docker's: past it the probe is
  // killed and counts as failed.
  absl::Notification finished;
  std::atomic<bool> timed_out{false};
  std::thread watchdog([&] {
    if (finished.WaitForNotificationWithTimeout(probe.timeout)) return;
    timed_out = true;
    berth::shim::v1::KillRequest kill;
    kill.set_exec_id(exec_id);
    kill.set_signal(SIGKILL);
    shim.Call("Kill", kill, nullptr).IgnoreError();
    // A process it left behind may hold its output open.
    if (!finished.WaitForNotificationWithTimeout(absl::Seconds(5))) attachment->Cancel();
  });
  ProbeOutput output;
  while (true) {
    auto frame = attachment->Next();
    if (!frame.ok() || !frame->has_value()) break;
    output.Append((*frame)->data());
  }
  finished.Notify();
  watchdog.join();

  berth::shim::v1::WaitRequest wait;
  wait.set_exec_id(exec_id);
  berth::shim::v1::WaitResponse exit;
  absl::Status waited = shim.Call("Wait", wait, &exit, absl::Seconds(10));
  int exit_code = waited.ok() ? exit.exit_status() : 137;
  tasks_->Publish(container, "exec_die",
                  {{"execID", exec_id}, {"exitCode", std::to_string(exit_code)}});
  v1::HealthcheckResult result;
  SetTime(result.mutable_end(), absl::Now());
  if (timed_out) {
    result.set_exit_code(-1);
    std::string message = "Health check exceeded timeout (" + GoDuration(probe.timeout) + ")";
    if (!output.empty()) absl::StrAppend(&message, ": ", output.Text());
    result.set_output(message);
    return result;
  }
  if (!waited.ok()) return Failed(waited);
  result.set_exit_code(exit_code);
  result.set_output(output.Text());
  return result;
}

}  // namespace berth::tasks
