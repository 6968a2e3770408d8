// The shim's methods (proto/berth/shim/v1/shim.proto, service Shim).

#include <poll.h>
#include <signal.h>
#include <sys/ioctl.h>
#include <sys/epoll.h>

#include <fstream>
#include <string>
#include <utility>
#include <vector>

#include "absl/strings/numbers.h"
#include "absl/strings/str_cat.h"
#include "absl/strings/str_split.h"
#include "absl/strings/strip.h"
#include "shim/server/shim.h"

namespace berth::shim {
namespace {

template <typename Message>
absl::StatusOr<Message> Parse(const std::string& payload) {
  Message message;
  if (!message.ParseFromString(payload)) return absl::InvalidArgumentError("malformed request");
  return message;
}

v1::Stats ToProto(const cgroup::Stats& s) {
  v1::Stats out;
  out.set_cpu_usage_ns(s.cpu_usage_ns);
  out.set_cpu_user_ns(s.cpu_user_ns);
  out.set_cpu_system_ns(s.cpu_system_ns);
  out.set_cpu_periods(s.cpu_periods);
  out.set_cpu_throttled_periods(s.cpu_throttled_periods);
  out.set_cpu_throttled_ns(s.cpu_throttled_ns);
  out.set_memory_usage_bytes(s.memory_usage_bytes);
  out.set_memory_working_set_bytes(s.memory_working_set_bytes);
  out.set_memory_limit_bytes(s.memory_limit_bytes);
  out.set_memory_failcnt(s.memory_failcnt);
  out.set_memory_cache_bytes(s.memory_cache_bytes);
  out.set_memory_rss_bytes(s.memory_rss_bytes);
  out.set_oom_kills(s.oom_kills);
  out.set_pids_current(s.pids_current);
  out.set_pids_limit(s.pids_limit);
  out.set_blkio_read_bytes(s.blkio_read_bytes);
  out.set_blkio_write_bytes(s.blkio_write_bytes);
  return out;
}

// Bytes received and sent by the container's interfaces (not lo), from
// /proc/PID/net/dev: the view of the process's own network namespace.
std::pair<uint64_t, uint64_t> NetworkBytes(pid_t pid) {
  std::ifstream dev("/proc/" + std::to_string(pid) + "/net/dev");
  std::string line;
  uint64_t rx = 0, tx = 0;
  while (std::getline(dev, line)) {
    size_t colon = line.find(':');
    if (colon == std::string::npos) continue;
    std::string name(absl::StripAsciiWhitespace(line.substr(0, colon)));
    if (name == "lo") continue;
    std::vector<std::string> fields = absl::StrSplit(line.substr(colon + 1), ' ', absl::SkipEmpty());
    uint64_t value = 0;
    if (fields.size() >= 9) {
      if (absl::SimpleAtoi(fields[0], &value)) rx += value;
      if (absl::SimpleAtoi(fields[8], &value)) tx += value;
    }
  }
  return {rx, tx};
}

}  // namespace

void Shim::Dispatch(Connection& connection, const Frame& frame) {
  v1::Request request;
  if (!request.ParseFromString(frame.payload)) {
    Reply(connection, frame.stream_id, absl::InvalidArgumentError("malformed request frame"));
    return;
  }
  bool deferred = false;
  absl::StatusOr<std::string> result = Call(connection, frame.stream_id, request, &deferred);
  if (!deferred) Reply(connection, frame.stream_id, result);
}

namespace {

// Writes all of data to a process's stdin. A pipe blocks (a container
// that does not read its input holds the writer, as with docker); a
// terminal shares its non-blocking descriptor with the reading side, so
// waits for room.
void WriteInput(int fd, const std::string& data) {
  size_t done = 0;
  while (done < data.size()) {
    ssize_t n = ::write(fd, data.data() + done, data.size() - done);
    if (n < 0 && errno == EINTR) continue;
    if (n < 0 && errno == EAGAIN) {
      pollfd room = {fd, POLLOUT, 0};
      if (::poll(&room, 1, 1000) <= 0) return;
      continue;
    }
    if (n <= 0) return;
    done += static_cast<size_t>(n);
  }
}

}  // namespace

// stdin from an attached client: IOFrames on its stream.
void Shim::HandleData(Connection& connection, const Frame& frame) {
  v1::IOFrame io;
  if (!io.ParseFromString(frame.payload)) return;
  std::string exec_id;
  for (const Attachment& attachment : connection.attachments) {
    if (attachment.stream == frame.stream_id) exec_id = attachment.exec_id;
  }
  auto it = processes_.find(exec_id);
  if (it == processes_.end() || !it->second.stdin.valid()) return;
  Process& process = it->second;
  WriteInput(process.stdin.get(), io.data());
  // A terminal has no end of input to give (docker's too): the process
  // ends it, or the client detaches.
  if ((io.eof() || (frame.flags & kEndOfStream)) && !process.terminal) process.stdin.Reset();
}

absl::StatusOr<std::string> Shim::Attach(Connection& connection, uint32_t stream,
                                         const v1::AttachRequest& attach, bool* deferred) {
  auto process = Find(attach.exec_id());
  if (!process.ok()) return process.status();
  Process& target = **process;
  *deferred = true;
  Reply(connection, stream, std::string(), /*end_of_stream=*/false);
  if (attach.replay()) {
    for (const std::string& payload : target.kept) {
      v1::IOFrame io;
      io.ParseFromString(payload);
      if ((io.fd() == 1 && attach.stdout()) || (io.fd() == 2 && attach.stderr())) {
        Send(connection, {stream, FrameType::kData, 0, payload});
      }
    }
    target.kept.clear();
    target.keeping = false;
  }
  if (target.finished) {
    // Nothing more will come: say so at once.
    v1::IOFrame eof;
    eof.set_eof(true);
    Send(connection, {stream, FrameType::kData, kEndOfStream, eof.SerializeAsString()});
    return std::string();
  }
  connection.attachments.push_back({stream, attach.exec_id(), attach.stdout(), attach.stderr()});
  return std::string();
}

absl::StatusOr<std::string> Shim::Call(Connection& connection, uint32_t stream,
                                       const v1::Request& request, bool* deferred) {
  const std::string& method = request.method();
  if (deleted_) return absl::UnavailableError("shim is shutting down");
  if (method == "State") {
    auto state_request = Parse<v1::StateRequest>(request.payload());
    if (!state_request.ok()) return state_request.status();
    auto process = Find(state_request->exec_id());
    if (!process.ok()) return process.status();
    const Process& target = **process;
    v1::StateResponse state;
    state.set_id(target.id.empty() ? options_.create.id() : target.id);
    state.set_pid(target.pid);
    state.set_status(target.exited       ? "stopped"
                     : target.pid == 0   ? "created"
                     : paused_           ? "paused"
                                         : "running");
    if (target.finished) {
      v1::WaitResponse record = ExitRecord(target);
      state.set_exit_status(record.exit_status());
      state.set_exited_at_unix_nano(record.exited_at_unix_nano());
      state.set_oom_killed(record.oom_killed());
    }
    return state.SerializeAsString();
  }
  if (method == "Wait") {
    auto wait = Parse<v1::WaitRequest>(request.payload());
    if (!wait.ok()) return wait.status();
    auto process = Find(wait->exec_id());
    if (!process.ok()) return process.status();
    if ((*process)->finished) return ExitRecord(**process).SerializeAsString();
    connection.waits.push_back({stream, wait->exec_id()});
    *deferred = true;
    return std::string();
  }
  if (method == "Kill") {
    auto kill = Parse<v1::KillRequest>(request.payload());
    if (!kill.ok()) return kill.status();
    auto process = Find(kill->exec_id());
    if (!process.ok()) return process.status();
    Process& target = **process;
    if (target.exited || target.pid == 0) return absl::NotFoundError("process already finished");
    int signal = kill->signal() == 0 ? SIGKILL : static_cast<int>(kill->signal());
    if (kill->all()) {
      for (pid_t pid : cgroup_->Processes()) ::kill(pid, signal);
    } else if (::kill(target.pid, signal) != 0) {
      return absl::ErrnoToStatus(errno, absl::StrCat("kill ", target.pid));
    }
    // A frozen process only sees the signal once thawed; docker kills
    // paused containers, so SIGKILL thaws.
    if (paused_ && signal == SIGKILL && target.id.empty()) {
      cgroup_->Freeze(false).IgnoreError();
      paused_ = false;
    }
    return std::string();
  }
  if (method == "Exec") {
    auto exec = Parse<v1::ExecRequest>(request.payload());
    if (!exec.ok()) return exec.status();
    if (exec->exec_id().empty() || processes_.count(exec->exec_id()) > 0) {
      return absl::AlreadyExistsError(absl::StrCat("exec ", exec->exec_id(), " already exists"));
    }
    if (main().exited) return absl::FailedPreconditionError("container is not running");
    Process& process = processes_[exec->exec_id()];
    process.id = exec->exec_id();
    process.spec = exec->process();
    return std::string();
  }
  if (method == "Start") {
    auto start = Parse<v1::StartRequest>(request.payload());
    if (!start.ok()) return start.status();
    auto process = Find(start->exec_id());
    if (!process.ok()) return process.status();
    if (start->exec_id().empty() || (*process)->pid != 0) {
      return absl::FailedPreconditionError("process already started");
    }
    if (main().exited) return absl::FailedPreconditionError("container is not running");
    if (paused_) return absl::FailedPreconditionError("container is paused");
    if (start->console_rows() > 0) {
      (*process)->spec.set_console_rows(start->console_rows());
      (*process)->spec.set_console_cols(start->console_cols());
    }
    auto pid = StartExec(**process);
    if (!pid.ok()) {
      processes_.erase(start->exec_id());
      return pid.status();
    }
    v1::StartResponse response;
    response.set_pid(*pid);
    return response.SerializeAsString();
  }
  if (method == "Pause" || method == "Resume") {
    if (main().exited) return absl::FailedPreconditionError("container is not running");
    bool pause = method == "Pause";
    if (absl::Status status = cgroup_->Freeze(pause); !status.ok()) return status;
    paused_ = pause;
    return std::string();
  }
  if (method == "Update") {
    auto update = Parse<v1::UpdateRequest>(request.payload());
    if (!update.ok()) return update.status();
    if (absl::Status status = UpdateLimits(update->resources()); !status.ok()) return status;
    return std::string();
  }
  if (method == "Stats") {
    auto stats = cgroup_->ReadStats();
    if (!stats.ok()) return stats.status();
    v1::StatsResponse response;
    *response.mutable_stats() = ToProto(*stats);
    auto [rx, tx] = NetworkBytes(main().pid);
    response.mutable_stats()->set_net_rx_bytes(rx);
    response.mutable_stats()->set_net_tx_bytes(tx);
    return response.SerializeAsString();
  }
  if (method == "Pids") {
    v1::PidsResponse response;
    for (pid_t pid : cgroup_->Processes()) response.add_pids(pid);
    return response.SerializeAsString();
  }
  if (method == "ResizePty") {
    auto resize = Parse<v1::ResizePtyRequest>(request.payload());
    if (!resize.ok()) return resize.status();
    auto process = Find(resize->exec_id());
    if (!process.ok()) return process.status();
    Process& target = **process;
    if (!target.terminal) return absl::FailedPreconditionError("the process has no terminal");
    if (!target.output[0].valid()) return std::string();  // it ended
    struct winsize size = {};
    size.ws_row = static_cast<unsigned short>(resize->rows());
    size.ws_col = static_cast<unsigned short>(resize->cols());
    // The kernel tells the terminal's foreground process group (SIGWINCH).
    if (::ioctl(target.output[0].get(), TIOCSWINSZ, &size) != 0) {
      return absl::ErrnoToStatus(errno, "resize terminal");
    }
    return std::string();
  }
  if (method == "CloseIO") {
    auto close = Parse<v1::CloseIORequest>(request.payload());
    if (!close.ok()) return close.status();
    auto process = Find(close->exec_id());
    if (!process.ok()) return process.status();
    if (!(*process)->terminal) (*process)->stdin.Reset();
    return std::string();
  }
  if (method == "Attach") {
    auto attach = Parse<v1::AttachRequest>(request.payload());
    if (!attach.ok()) return attach.status();
    return Attach(connection, stream, *attach, deferred);
  }
  if (method == "ReopenLog") {
    // As containerd: only a running container's log is reopened.
    if (main().exited) return absl::FailedPreconditionError("container is not running");
    if (absl::Status status = log_->Reopen(); !status.ok()) return status;
    return std::string();
  }
  if (method == "Delete" || method == "Shutdown") {
    if (!main().finished) return absl::FailedPreconditionError("container is still running");
    absl::Status removed = RemoveCgroup();
    if (!removed.ok()) {
      // Something is still in the cgroup: killed, and one more try.
      KillRemaining();
      removed = RemoveCgroup();
    }
    // The shim goes either way: the tasks service forgets the container
    // after Delete, and a shim left behind would wait for no one forever.
    deleted_ = true;
    ::epoll_ctl(epoll_.get(), EPOLL_CTL_DEL, listener_.get(), nullptr);
    if (!removed.ok()) return removed;
    return ExitRecord(main()).SerializeAsString();
  }
  return absl::UnimplementedError(absl::StrCat("shim method ", method));
}

}  // namespace berth::shim
