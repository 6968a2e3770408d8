#include "services/docker/streams.h"

#include <poll.h>
#include <sys/socket.h>
#include <unistd.h>

#include <cerrno>
#include <chrono>

#include "services/common/base/write_all.h"

namespace berth::docker {

std::string MultiplexFrame(int stream, std::string_view payload) {
  std::string frame(8, '\0');
  frame[0] = static_cast<char>(stream);
  uint32_t size = static_cast<uint32_t>(payload.size());
  frame[4] = static_cast<char>(size >> 24);
  frame[5] = static_cast<char>(size >> 16);
  frame[6] = static_cast<char>(size >> 8);
  frame[7] = static_cast<char>(size);
  frame.append(payload);
  return frame;
}

bool PeerClosed(int fd) {
  if (fd < 0) return false;
  pollfd entry{fd, POLLRDHUP, 0};
  if (::poll(&entry, 1, 0) <= 0) return false;
  return (entry.revents & (POLLRDHUP | POLLHUP | POLLERR | POLLNVAL)) != 0;
}

ClientWatch::ClientWatch(int fd, grpc::ClientContext* context) {
  if (fd < 0) return;
  thread_ = std::thread([this, fd, context] {
    std::unique_lock<std::mutex> lock(mu_);
    while (!done_) {
      if (PeerClosed(fd)) {
        context->TryCancel();
        return;
      }
      wake_.wait_for(lock, std::chrono::milliseconds(200), [this] { return done_; });
    }
  });
}

ClientWatch::~ClientWatch() {
  {
    std::lock_guard<std::mutex> lock(mu_);
    done_ = true;
  }
  wake_.notify_all();
  if (thread_.joinable()) thread_.join();
}


AttachPeer::Input RawAttachPeer::Read(std::string* data) {
  if (!early_.empty()) {
    *data = std::move(early_);
    early_.clear();
    return Input::kData;
  }
  char buffer[32 * 1024];
  while (true) {
    ssize_t n = ::read(fd_, buffer, sizeof(buffer));
    if (n < 0 && errno == EINTR) continue;
    if (n > 0) {
      data->assign(buffer, static_cast<size_t>(n));
      return Input::kData;
    }
    return n == 0 ? Input::kEnd : Input::kGone;
  }
}

bool RawAttachPeer::Write(int stream, std::string_view payload) {
  return WriteAll(fd_, tty_ ? std::string(payload) : MultiplexFrame(stream, payload), "attach output")
      .ok();
}

// The end of the process ends the connection: the CLI returns then.
void RawAttachPeer::Finish() { ::shutdown(fd_, SHUT_RDWR); }

}  // namespace berth::docker
