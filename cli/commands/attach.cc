#include "cli/commands/attach.h"

#include <fcntl.h>
#include <poll.h>
#include <signal.h>
#include <sys/ioctl.h>
#include <termios.h>
#include <unistd.h>

#include <cerrno>
#include <chrono>
#include <optional>
#include <thread>
#include <vector>

#include "cli/commands/container_common.h"
#include "services/common/base/write_all.h"

namespace berth::cli {
namespace {

using berth::tasks::v1::AttachRequest;
using berth::tasks::v1::AttachResponse;

int g_signal_pipe[2] = {-1, -1};

void OnSignal(int signo) {
  unsigned char byte = static_cast<unsigned char>(signo);
  ssize_t ignored = ::write(g_signal_pipe[1], &byte, 1);
  (void)ignored;
}

// Catches signals for the attach's lifetime; they arrive as bytes on fd().
class SignalCatcher {
 public:
  explicit SignalCatcher(const std::vector<int>& signals) {
    if (::pipe2(g_signal_pipe, O_CLOEXEC | O_NONBLOCK) != 0) return;
    struct sigaction action = {};
    action.sa_handler = OnSignal;
    sigemptyset(&action.sa_mask);
    action.sa_flags = SA_RESTART;
    for (int signo : signals) {
      struct sigaction old = {};
      if (::sigaction(signo, &action, &old) == 0) saved_.emplace_back(signo, old);
    }
  }
  ~SignalCatcher() {
    for (const auto& [signo, old] : saved_) ::sigaction(signo, &old, nullptr);
    for (int& fd : g_signal_pipe) {
      if (fd >= 0) ::close(fd);
      fd = -1;
    }
  }
  int fd() const { return g_signal_pipe[0]; }

 private:
  std::vector<std::pair<int, struct sigaction>> saved_;
};

// The terminal in raw mode (docker's term.MakeRaw) until destroyed.
class RawTerminal {
 public:
  explicit RawTerminal(int fd) : fd_(fd) {
    if (::tcgetattr(fd, &saved_) != 0) return;
    struct termios raw = saved_;
    ::cfmakeraw(&raw);
    active_ = ::tcsetattr(fd, TCSANOW, &raw) == 0;
  }
  ~RawTerminal() {
    if (active_) ::tcsetattr(fd_, TCSANOW, &saved_);
  }
  RawTerminal(const RawTerminal&) = delete;
  RawTerminal& operator=(const RawTerminal&) = delete;

 private:
  int fd_;
  struct termios saved_ = {};
  bool active_ = false;
};

bool TerminalSize(berth::tasks::v1::WindowSize* size) {
  struct winsize ws = {};
  for (int fd : {STDOUT_FILENO, STDIN_FILENO}) {
    if (::ioctl(fd, TIOCGWINSZ, &ws) == 0 && ws.ws_row > 0) {
      size->set_rows(ws.ws_row);
      size->set_cols(ws.ws_col);
      return true;
    }
  }
  return false;
}

const char* SignalName(int signo) {
  switch (signo) {
    case SIGINT:
      return "SIGINT";
    case SIGTERM:
      return "SIGTERM";
    case SIGHUP:
      return "SIGHUP";
    case SIGQUIT:
      return "SIGQUIT";
    case SIGUSR1:
      return "SIGUSR1";
    case SIGUSR2:
      return "SIGUSR2";
    default:
      return "SIGKILL";
  }
}

using AttachStream = grpc::ClientReaderWriter<AttachRequest, AttachResponse>;

// The writing side of the stream, on its own thread until wake_fd is
// readable: stdin chunks (close_stdin at EOF), resizes, proxied signals.
void Pump(AttachStream* stream, berth::tasks::v1::Tasks::Stub* tasks, const AttachOptions& options,
          int signal_fd, int wake_fd, grpc::ClientContext* call, int* ended_by) {
  bool forward_stdin = options.stdin;
  std::vector<char> buffer(32 * 1024);
  while (true) {
    struct pollfd fds[3] = {{wake_fd, POLLIN, 0}, {signal_fd, POLLIN, 0}, {STDIN_FILENO, POLLIN, 0}};
    int count = forward_stdin ? 3 : 2;
    if (::poll(fds, static_cast<nfds_t>(count), -1) < 0) {
      if (errno == EINTR) continue;
      return;
    }
    if (fds[0].revents != 0) return;
    if (fds[1].revents & POLLIN) {
      unsigned char signo = 0;
      while (::read(signal_fd, &signo, 1) == 1) {
        if (signo == SIGWINCH) {
          berth::tasks::v1::WindowSize size;
          AttachRequest resize;
          if (!TerminalSize(&size)) continue;
          *resize.mutable_resize() = size;
          stream->Write(resize);
          continue;
        }
        if (!options.sig_proxy || options.tty) {
          // Not for the container: the CLI ends by it, once the terminal
          // is restored.
          *ended_by = signo;
          call->TryCancel();
          return;
        }
        berth::tasks::v1::KillRequest kill;
        kill.set_id(options.id);
        kill.set_signal(SignalName(signo));
        berth::tasks::v1::KillResponse killed;
        // The container's namespace, as every call of this invocation.
        auto context = Cli::CallContext();
        context->set_deadline(std::chrono::system_clock::now() + std::chrono::seconds(10));
        tasks->Kill(context.get(), kill, &killed);
      }
    }
    if (forward_stdin && (fds[2].revents & (POLLIN | POLLHUP | POLLERR))) {
      ssize_t got = ::read(STDIN_FILENO, buffer.data(), buffer.size());
      if (got < 0 && (errno == EINTR || errno == EAGAIN)) continue;
      AttachRequest request;
      if (got > 0) {
        request.set_stdin(buffer.data(), static_cast<size_t>(got));
      } else {
        request.set_close_stdin(true);
        forward_stdin = false;
      }
      if (!stream->Write(request)) forward_stdin = false;
    }
  }
}

}  // namespace

AttachResult AttachContainer(Cli& cli, const AttachOptions& options) {
  AttachResult result;
  auto tasks = TasksStub(cli);
  if (!tasks) {
    result.status = grpc::Status(grpc::StatusCode::UNAVAILABLE, "cannot connect to berthd");
    return result;
  }
  auto context = Cli::CallContext(/*stream=*/true);
  std::unique_ptr<AttachStream> stream = tasks->Attach(context.get());
  AttachRequest first;
  auto* target = first.mutable_target();
  target->set_id(options.id);
  target->set_exec_id(options.exec_id);
  target->set_stdin(options.stdin);
  target->set_stdout(true);
  target->set_stderr(true);
  target->set_start(options.start);
  target->set_detach_keys(options.detach_keys);
  berth::tasks::v1::WindowSize size;
  if (options.tty && TerminalSize(&size)) *target->mutable_initial_size() = size;
  if (!stream->Write(first)) {
    result.status = stream->Finish();
    return result;
  }

  std::optional<RawTerminal> raw;
  if (options.tty && options.stdin && ::isatty(STDIN_FILENO)) raw.emplace(STDIN_FILENO);
  std::vector<int> signals;
  if (options.tty) signals.push_back(SIGWINCH);
  if (options.sig_proxy && !options.tty) {
    signals.insert(signals.end(), {SIGINT, SIGTERM, SIGHUP, SIGQUIT, SIGUSR1, SIGUSR2});
  } else if (raw) {
    // A raw terminal must be given back: these end the attach instead of
    // the process (in raw mode ctrl-c is the container's, not a signal).
    signals.insert(signals.end(), {SIGTERM, SIGHUP, SIGQUIT});
  }
  SignalCatcher catcher(signals);
  int wake[2] = {-1, -1};
  if (::pipe2(wake, O_CLOEXEC) != 0) {
    context->TryCancel();
    result.status = grpc::Status(grpc::StatusCode::INTERNAL, "cannot create a pipe");
    stream->Finish();
    return result;
  }
  int ended_by = 0;
  std::thread pump(Pump, stream.get(), tasks.get(), std::cref(options), catcher.fd(), wake[0],
                   context.get(), &ended_by);

  AttachResponse response;
  while (stream->Read(&response)) {
    switch (response.kind_case()) {
      case AttachResponse::kStdout:
        (void)WriteAll(STDOUT_FILENO, response.stdout(), "stdout");
        break;
      case AttachResponse::kStderr:
        (void)WriteAll(STDERR_FILENO, response.stderr(), "stderr");
        break;
      case AttachResponse::kExit:
        result.exited = true;
        result.exit_code = response.exit().exit_code();
        break;
      case AttachResponse::kDetached:
        result.detached = true;
        break;
      default:
        break;
    }
    if (result.exited || result.detached) break;
  }
  // exit is the last message: do not wait for the server to end the call.
  if (result.exited || result.detached) context->TryCancel();
  ssize_t ignored = ::write(wake[1], "x", 1);
  (void)ignored;
  pump.join();
  ::close(wake[0]);
  ::close(wake[1]);
  grpc::Status status = stream->Finish();
  if (ended_by != 0) {
    raw.reset();
    ::signal(ended_by, SIG_DFL);
    ::raise(ended_by);
  }
  if (!result.exited && !result.detached) result.status = status;
  return result;
}

}  // namespace berth::cli
