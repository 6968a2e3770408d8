#include "shim/container/idmap.h"

#include <fcntl.h>
#include <linux/mount.h>
#include <sys/mount.h>
#include <sys/syscall.h>
#include <unistd.h>

#include <cerrno>

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

}  // namespace berth::container
