#include "services/tasks/ipc_shm.h"

#include <sys/mount.h>
#include <sys/stat.h>
#include <sys/vfs.h>

#include <cerrno>

#include "absl/strings/match.h"
#include "services/common/mount/mount.h"

namespace berth::tasks {
namespace {

constexpr long kTmpfsMagic = 0x01021994;

bool IsTmpfsMount(const std::string& dir) {
  struct statfs fs;
  struct stat here, parent;
  if (::statfs(dir.c_str(), &fs) != 0 || fs.f_type != kTmpfsMagic) return false;
  // A tmpfs /run holds the bundle too: a mount is on another device.
  return ::stat(dir.c_str(), &here) == 0 && ::stat((dir + "/..").c_str(), &parent) == 0 &&
         here.st_dev != parent.st_dev;
}

}  // namespace

bool SharesItsShm(const v1::ContainerSpec& spec) {
  // A namespace holder has no image (see JoinedNamespaces).
  return spec.ipc_mode() == "shareable" || spec.image().empty();
}

std::string ShmSource(const v1::Container& container, const ContainerLookup& lookup,
                      const std::function<std::string(const std::string& id)>& shm_dir) {
  v1::Container current = container;
  // A donor may itself have joined another (or the host's): its /dev/shm is
  // that one's. Bounded, in case records ever name each other.
  for (int depth = 0; depth < 8; ++depth) {
    const std::string& mode = current.spec().ipc_mode();
    if (mode == "host") return "/dev/shm";
    std::string donor = ModeContainer(mode);
    if (donor.empty()) return SharesItsShm(current.spec()) ? shm_dir(current.id()) : "";
    std::optional<v1::Container> next = lookup(donor);
    if (!next) return "";
    current = *std::move(next);
  }
  return "";
}

absl::Status MountShm(const std::string& dir) {
  if (::mkdir(dir.c_str(), 0700) != 0 && errno != EEXIST) {
    return absl::ErrnoToStatus(errno, "create " + dir);
  }
  if (IsTmpfsMount(dir)) return absl::OkStatus();
  if (::mount("shm", dir.c_str(), "tmpfs", MS_NOSUID | MS_NODEV | MS_NOEXEC, "mode=1777,size=67108864") != 0) {
    return absl::ErrnoToStatus(errno, "mount the shareable /dev/shm at " + dir);
  }
  return absl::OkStatus();
}

void UnmountShm(const std::string& dir) {
  if (IsTmpfsMount(dir)) mount::Unmount(dir).IgnoreError();
}

}  // namespace berth::tasks
