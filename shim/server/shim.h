#ifndef BERTH_SHIM_SERVER_SHIM_H_
#define BERTH_SHIM_SERVER_SHIM_H_

// berth-shim: one per container. It starts the container (spawn.h) in its
// cgroup, holds its stdio (to the json-file log and to attached clients),
// reaps it and everything it leaves behind (it is a child subreaper), keeps
// its exit status until the tasks service collects it with Delete, and
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
#include "shim/framing.h"
#include "shim/logging/json_file.h"

namespace berth::shim {

// The shim API's limits in the cgroup library's terms.
cgroup::Resources ToCgroupResources(const v1::Resources& resources);

struct ShimOptions {
  v1::CreateRequest create;
  // <bundle>/sock
  std::string socket_path;
  // berth-init, bind-mounted into the container for --init.
  std::string init_path;
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
  struct Attachment {
    uint32_t stream = 0;
    bool stdout = false;
    bool stderr = false;
  };
  struct Connection {
    UniqueFd fd;
    FrameDecoder decoder;
    std::string outbox;
    std::vector<uint32_t> waits;
    std::vector<Attachment> attachments;
    bool closing = false;
  };

  absl::Status SpawnContainer();
  void Watch(int fd, uint32_t events);
  void OnSignal();
  void OnAccept();
  void OnReadable(int fd);
  void OnWritable(int fd);
  void OnOutput(int index);
  void OnExited(int status);
  void MaybeFinish();
  void Dispatch(Connection& connection, const Frame& frame);
  void HandleData(Connection& connection, const Frame& frame);
  absl::StatusOr<std::string> Call(Connection& connection, uint32_t stream,
                                   const v1::Request& request, bool* deferred);
  void Reply(Connection& connection, uint32_t stream, const absl::StatusOr<std::string>& payload,
             bool end_of_stream = true);
  void Send(Connection& connection, Frame frame);
  void Flush(Connection& connection);
  void CloseConnection(int fd);
  v1::WaitResponse ExitRecord() const;
  void WriteExitFile() const;

  ShimOptions options_;
  UniqueFd epoll_;
  UniqueFd listener_;
  UniqueFd signals_;
  UniqueFd stdin_;      // write end for the container's stdin (-i)
  UniqueFd output_[2];  // read ends of its stdout and stderr
  std::unique_ptr<cgroup::Cgroup> cgroup_;
  std::unique_ptr<logging::JsonFileWriter> log_;
  std::map<int, Connection> connections_;
  pid_t pid_ = 0;
  ino_t socket_inode_ = 0;
  bool paused_ = false;
  // Exit: the process is gone; finished: its output is drained too, and
  // waiters have been answered.
  bool exited_ = false;
  bool finished_ = false;
  bool deleted_ = false;
  int exit_status_ = 0;
  bool oom_killed_ = false;
  absl::Time exited_at_;
};

}  // namespace berth::shim

#endif  // BERTH_SHIM_SERVER_SHIM_H_
