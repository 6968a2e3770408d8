#include "services/network/netns.h"

#include <fcntl.h>
#include <sched.h>
#include <sys/mount.h>
#include <sys/syscall.h>
#include <unistd.h>

#include <cerrno>
#include <thread>

#include "absl/strings/str_cat.h"

namespace berth::network {

absl::Status CreateNetns(const std::string& path) {
  int fd = ::open(path.c_str(), O_RDONLY | O_CREAT | O_EXCL | O_CLOEXEC, 0444);
  if (fd < 0) return absl::ErrnoToStatus(errno, "create netns file " + path);
  ::close(fd);
  // unshare() in a thread of its own: only that thread moves to the new
  // namespace, which its bind mount then keeps alive.
  absl::Status status;
  std::thread worker([&] {
    if (::unshare(CLONE_NEWNET) != 0) {
      status = absl::ErrnoToStatus(errno, "unshare(CLONE_NEWNET)");
      return;
    }
    std::string self = absl::StrCat("/proc/self/task/", ::syscall(SYS_gettid), "/ns/net");
    if (::mount(self.c_str(), path.c_str(), nullptr, MS_BIND, nullptr) != 0) {
      status = absl::ErrnoToStatus(errno, "bind the network namespace at " + path);
    }
  });
  worker.join();
  if (!status.ok()) ::unlink(path.c_str());
  return status;
}

absl::Status RemoveNetns(const std::string& path) {
  if (::umount2(path.c_str(), MNT_DETACH) != 0 && errno != EINVAL && errno != ENOENT) {
    return absl::ErrnoToStatus(errno, "unmount " + path);
  }
  if (::unlink(path.c_str()) != 0 && errno != ENOENT) {
    return absl::ErrnoToStatus(errno, "remove " + path);
  }
  return absl::OkStatus();
}

}  // namespace berth::network
