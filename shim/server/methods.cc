// The shim's methods (proto/berth/shim/v1/shim.proto, service Shim).

#include <signal.h>
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

// stdin from an attached client: IOFrames on its stream.
void Shim::HandleData(Connection&, const Frame& frame) {
  v1::IOFrame io;
  if (!io.ParseFromString(frame.payload) || !stdin_.valid()) return;
  const std::string& data = io.data();
  size_t done = 0;
  while (done < data.size()) {
    // stdin is a blocking pipe: a container that does not read its input
    // holds the writer, as it would with docker.
    ssize_t n = ::write(stdin_.get(), data.data() + done, data.size() - done);
    if (n < 0 && errno == EINTR) continue;
    if (n <= 0) break;
    done += static_cast<size_t>(n);
  }
  if (io.eof() || (frame.flags & kEndOfStream)) stdin_.Reset();
}

absl::StatusOr<std::string> Shim::Call(Connection& connection, uint32_t stream,
                                       const v1::Request& request, bool* deferred) {
  const std::string& method = request.method();
  if (deleted_) return absl::UnavailableError("shim is shutting down");
  if (method == "State") {
    v1::StateResponse state;
    state.set_id(options_.create.id());
    state.set_pid(pid_);
    state.set_status(exited_ ? "stopped" : paused_ ? "paused" : "running");
    if (finished_) {
      v1::WaitResponse record = ExitRecord();
      state.set_exit_status(record.exit_status());
      state.set_exited_at_unix_nano(record.exited_at_unix_nano());
      state.set_oom_killed(record.oom_killed());
    }
    return state.SerializeAsString();
  }
  if (method == "Wait") {
    if (finished_) return ExitRecord().SerializeAsString();
    connection.waits.push_back(stream);
    *deferred = true;
    return std::string();
  }
  if (method == "Kill") {
    auto kill = Parse<v1::KillRequest>(request.payload());
    if (!kill.ok()) return kill.status();
    if (exited_) return absl::NotFoundError("process already finished");
    int signal = kill->signal() == 0 ? SIGKILL : static_cast<int>(kill->signal());
    if (kill->all()) {
      for (pid_t pid : cgroup_->Processes()) ::kill(pid, signal);
    } else if (::kill(pid_, signal) != 0) {
      return absl::ErrnoToStatus(errno, absl::StrCat("kill ", pid_));
    }
    // A frozen process only sees the signal once thawed; docker kills
    // paused containers, so SIGKILL thaws.
    if (paused_ && signal == SIGKILL) {
      cgroup_->Freeze(false).IgnoreError();
      paused_ = false;
    }
    return std::string();
  }
  if (method == "Pause" || method == "Resume") {
    if (exited_) return absl::FailedPreconditionError("container is not running");
    bool pause = method == "Pause";
    if (absl::Status status = cgroup_->Freeze(pause); !status.ok()) return status;
    paused_ = pause;
    return std::string();
  }
  if (method == "Update") {
    auto update = Parse<v1::UpdateRequest>(request.payload());
    if (!update.ok()) return update.status();
    if (absl::Status status = cgroup_->Apply(ToCgroupResources(update->resources()));
        !status.ok()) {
      return status;
    }
    return std::string();
  }
  if (method == "Stats") {
    auto stats = cgroup_->ReadStats();
    if (!stats.ok()) return stats.status();
    v1::StatsResponse response;
    *response.mutable_stats() = ToProto(*stats);
    auto [rx, tx] = NetworkBytes(pid_);
    response.mutable_stats()->set_net_rx_bytes(rx);
    response.mutable_stats()->set_net_tx_bytes(tx);
    return response.SerializeAsString();
  }
  if (method == "Pids") {
    v1::PidsResponse response;
    for (pid_t pid : cgroup_->Processes()) response.add_pids(pid);
    return response.SerializeAsString();
  }
  if (method == "CloseIO") {
    stdin_.Reset();
    return std::string();
  }
  if (method == "Attach") {
    auto attach = Parse<v1::AttachRequest>(request.payload());
    if (!attach.ok()) return attach.status();
    if (finished_) {
      // Nothing more will come: say so at once.
      Reply(connection, stream, std::string(), /*end_of_stream=*/false);
      v1::IOFrame eof;
      eof.set_eof(true);
      Send(connection, {stream, FrameType::kData, kEndOfStream, eof.SerializeAsString()});
      *deferred = true;
      return std::string();
    }
    connection.attachments.push_back({stream, attach->stdout(), attach->stderr()});
    Reply(connection, stream, std::string(), /*end_of_stream=*/false);
    *deferred = true;
    return std::string();
  }
  if (method == "Delete" || method == "Shutdown") {
    if (!finished_) return absl::FailedPreconditionError("container is still running");
    if (absl::Status status = cgroup_->Destroy(); !status.ok()) return status;
    deleted_ = true;
    ::epoll_ctl(epoll_.get(), EPOLL_CTL_DEL, listener_.get(), nullptr);
    return ExitRecord().SerializeAsString();
  }
  return absl::UnimplementedError(absl::StrCat("shim method ", method));
}

}  // namespace berth::shim
