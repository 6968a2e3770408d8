#include "shim/container/idmap.h"

#include <fcntl.h>
#include <linux/mount.h>
#include <sched.h>
#include <sys/mount.h>
#include <sys/socket.h>
#include <sys/syscall.h>
#include <unistd.h>

#include <algorithm>
#include <cerrno>
#include <cstring>

#include "absl/strings/str_cat.h"

namespace berth::container {
namespace {

absl::Status WriteProcFile(const std::string& path, const std::string& text) {
  UniqueFd file(::open(path.c_str(), O_WRONLY | O_CLOEXEC));
  if (!file.valid()) return absl::ErrnoToStatus(errno, "open " + path);
  ssize_t written = ::write(file.get(), text.data(), text.size());
  if (written != static_cast<ssize_t>(text.size())) {
    return absl::ErrnoToStatus(written < 0 ? errno : EIO, "write " + path);
  }
  return absl::OkStatus();
}

}  // namespace

std::string IdMapText(const std::vector<IdMapping>& map) {
  std::string text;
  for (const IdMapping& range : map) {
    absl::StrAppend(&text, range.container_id, " ", range.host_id, " ", range.size, "\n");
  }
  return text;
}

absl::Status WriteIdMaps(pid_t pid, const std::vector<IdMapping>& uids,
                         const std::vector<IdMapping>& gids) {
  std::string base = absl::StrCat("/proc/", pid, "/");
  if (absl::Status status = WriteProcFile(base + "uid_map", IdMapText(uids)); !status.ok()) {
    return status;
  }
  return WriteProcFile(base + "gid_map", IdMapText(gids));
}

absl::StatusOr<UniqueFd> CloneMount(const std::string& path, int userns_fd) {
  UniqueFd tree(static_cast<int>(::syscall(SYS_open_tree, AT_FDCWD, path.c_str(),
                                           OPEN_TREE_CLONE | OPEN_TREE_CLOEXEC | AT_RECURSIVE)));
  if (!tree.valid()) return absl::ErrnoToStatus(errno, "clone mount " + path);
  if (userns_fd < 0) return tree;
  mount_attr attr{};
  attr.attr_set = MOUNT_ATTR_IDMAP;
  attr.userns_fd = static_cast<uint64_t>(userns_fd);
  if (::syscall(SYS_mount_setattr, tree.get(), "", AT_EMPTY_PATH | AT_RECURSIVE, &attr,
                sizeof(attr)) != 0) {
    int error = errno;
    return absl::ErrnoToStatus(
        error, absl::StrCat("idmap mount ", path,
                            error == EINVAL ? " (the filesystem does not support idmapped mounts)"
                                            : ""));
  }
  return tree;
}

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

absl::Status ThreadNetnsSwitch::Enter(int netns_fd) {
  own_.Reset(::open("/proc/thread-self/ns/net", O_RDONLY | O_CLOEXEC));
  if (!own_.valid()) return absl::ErrnoToStatus(errno, "open own network namespace");
  if (::setns(netns_fd, CLONE_NEWNET) != 0) {
    own_.Reset();
    return absl::ErrnoToStatus(errno, "enter the container's network namespace");
  }
  return absl::OkStatus();
}

ThreadNetnsSwitch::~ThreadNetnsSwitch() {
  if (own_.valid()) ::setns(own_.get(), CLONE_NEWNET);
}

}  // namespace berth::container
