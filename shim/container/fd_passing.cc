#include "shim/container/fd_passing.h"

#include <sys/socket.h>

#include <algorithm>
#include <cerrno>
#include <cstring>

namespace berth::container {

absl::Status SendFds(int socket, const std::vector<int>& fds) {
  for (size_t sent = 0; sent < fds.size();) {
    size_t count = std::min(fds.size() - sent, static_cast<size_t>(kMaxFdsPerMessage));
    std::vector<char> control(CMSG_SPACE(sizeof(int) * count));
    char byte = 'm';
    iovec data = {&byte, 1};
    msghdr message = {};
    message.msg_iov = &data;
    message.msg_iovlen = 1;
    message.msg_control = control.data();
    message.msg_controllen = control.size();
    cmsghdr* header = CMSG_FIRSTHDR(&message);
    header->cmsg_level = SOL_SOCKET;
    header->cmsg_type = SCM_RIGHTS;
    header->cmsg_len = CMSG_LEN(sizeof(int) * count);
    std::memcpy(CMSG_DATA(header), fds.data() + sent, sizeof(int) * count);
    if (::sendmsg(socket, &message, MSG_NOSIGNAL) != 1) {
      return absl::ErrnoToStatus(errno, "send mounts to the container");
    }
    sent += count;
  }
  return absl::OkStatus();
}

bool ReceiveFds(int socket, int* out, int count) {
  alignas(cmsghdr) char control[CMSG_SPACE(sizeof(int) * kMaxFdsPerMessage)];
  for (int received = 0; received < count;) {
    char byte = 0;
    iovec data = {&byte, 1};
    msghdr message = {};
    message.msg_iov = &data;
    message.msg_iovlen = 1;
    message.msg_control = control;
    message.msg_controllen = sizeof(control);
    ssize_t n;
    do {
      n = ::recvmsg(socket, &message, MSG_CMSG_CLOEXEC);
    } while (n < 0 && errno == EINTR);
    cmsghdr* header = n == 1 ? CMSG_FIRSTHDR(&message) : nullptr;
    if (header == nullptr || header->cmsg_type != SCM_RIGHTS) return false;
    int in_message = static_cast<int>((header->cmsg_len - CMSG_LEN(0)) / sizeof(int));
    if (in_message <= 0 || received + in_message > count) return false;
    std::memcpy(out + received, CMSG_DATA(header), sizeof(int) * in_message);
    received += in_message;
  }
  return true;
}

}  // namespace berth::container
