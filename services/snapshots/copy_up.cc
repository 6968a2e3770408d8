#include "services/snapshots/copy_up.h"

#include <dirent.h>
#include <fcntl.h>
#include <linux/openat2.h>
#include <sys/stat.h>
#include <sys/syscall.h>
#include <unistd.h>

#include <cerrno>
#include <vector>

#include "absl/strings/str_cat.h"
#include "services/common/base/unique_fd.h"
#include "services/snapshots/fs_util.h"

namespace berth::snapshots {
namespace {

// The names in a directory, without "." and "..".
absl::StatusOr<std::vector<std::string>> Entries(const std::string& path) {
  DIR* dir = ::opendir(path.c_str());
  if (dir == nullptr) return absl::ErrnoToStatus(errno, absl::StrCat("open ", path));
  std::vector<std::string> names;
  while (dirent* entry = ::readdir(dir)) {
    std::string name = entry->d_name;
    if (name != "." && name != "..") names.push_back(name);
  }
  ::closedir(dir);
  return names;
}

// Opens a directory of the tree at root as if root were "/"; invalid (errno
// set) when that fails.
UniqueFd OpenInRoot(const std::string& root, const std::string& path,
                    uint64_t flags = O_RDONLY | O_DIRECTORY | O_CLOEXEC) {
  UniqueFd root_fd(::open(root.c_str(), O_PATH | O_DIRECTORY | O_CLOEXEC));
  if (!root_fd.valid()) return root_fd;
  std::string relative = path;
  while (!relative.empty() && relative[0] == '/') relative.erase(0, 1);
  if (relative.empty()) relative = ".";
  open_how how{};
  how.flags = flags;
  // XDEV too: the tree is one filesystem; whatever is mounted inside it is
  // not the image's content.
  how.resolve = RESOLVE_IN_ROOT | RESOLVE_NO_MAGICLINKS | RESOLVE_NO_XDEV;
  int fd;
  do {
    fd = static_cast<int>(::syscall(SYS_openat2, root_fd.get(), relative.c_str(), &how,
                                    sizeof(how)));
  } while (fd < 0 && errno == EAGAIN);
  return UniqueFd(fd);
}

}  // namespace

absl::StatusOr<bool> CopyUp(const std::string& root, const std::string& path,
                            const std::string& volume_data) {
  UniqueFd source = OpenInRoot(root, path);
  if (!source.valid()) {
    // A file where the volume goes: docker refuses to hide it.
    if (errno == ENOTDIR) {
      UniqueFd file = OpenInRoot(root, path, O_PATH | O_NOFOLLOW | O_CLOEXEC);
      struct stat st;
      if (file.valid() && ::fstat(file.get(), &st) == 0 && !S_ISDIR(st.st_mode) && !S_ISLNK(st.st_mode)) {
        return absl::FailedPreconditionError(
            absl::StrCat("cannot mount volume over existing file, file exists ", path));
      }
      errno = ENOTDIR;
    }
    // Nothing there to copy, or no directory to fill a volume from.
    if (errno == ENOENT || errno == ENOTDIR || errno == EXDEV) return false;
    return absl::ErrnoToStatus(errno, absl::StrCat("open ", path, " in ", root));
  }
  auto existing = Entries(volume_data);
  if (!existing.ok()) return existing.status();
  if (!existing->empty()) return false;

  // The walk goes through the opened directory, never through the path
  // again: "/." keeps the magic link followed for the walk's root.
  std::string from = absl::StrCat("/proc/self/fd/", source.get(), "/.");
  std::string parent = volume_data.substr(0, volume_data.rfind('/'));
  struct stat parent_st, data_st;
  if (::stat(parent.c_str(), &parent_st) != 0 || ::stat(volume_data.c_str(), &data_st) != 0) {
    return absl::ErrnoToStatus(errno, absl::StrCat("stat ", volume_data));
  }
  if (parent_st.st_dev != data_st.st_dev) {
    // A volume with a filesystem of its own (local driver options): no
    // staging beside it to rename from; copy in place, emptied on failure.
    if (absl::Status status = CopyTree(from, volume_data); !status.ok()) {
      if (auto partial = Entries(volume_data); partial.ok()) {
        for (const std::string& name : *partial) (void)RemoveAll(volume_data + "/" + name);
      }
      return absl::Status(status.code(), absl::StrCat("copy ", path, ": ", status.message()));
    }
    auto copied = Entries(volume_data);
    if (!copied.ok()) return copied.status();
    return !copied->empty();
  }
  std::string staging = parent + "/_populate";
  (void)RemoveAll(staging);
  if (::mkdir(staging.c_str(), 0700) != 0) {
    return absl::ErrnoToStatus(errno, absl::StrCat("mkdir ", staging));
  }
  std::vector<std::string> moved;
  auto fail = [&](absl::Status status) -> absl::Status {
    for (const std::string& name : moved) (void)RemoveAll(volume_data + "/" + name);
    (void)RemoveAll(staging);
    return status;
  };
  if (absl::Status status = CopyTree(from, staging); !status.ok()) {
    return fail(absl::Status(status.code(), absl::StrCat("copy ", path, ": ", status.message())));
  }
  auto names = Entries(staging);
  if (!names.ok()) return fail(names.status());
  for (const std::string& name : *names) {
    std::string target = volume_data + "/" + name;
    if (::renameat2(AT_FDCWD, (staging + "/" + name).c_str(), AT_FDCWD, target.c_str(),
                    RENAME_NOREPLACE) != 0) {
      return fail(absl::ErrnoToStatus(errno, absl::StrCat("move into ", target)));
    }
    moved.push_back(name);
  }
  // The volume's directory takes the image directory's owner and mode.
  struct stat st;
  if (::stat(staging.c_str(), &st) != 0 ||
      ::chown(volume_data.c_str(), st.st_uid, st.st_gid) != 0 ||
      ::chmod(volume_data.c_str(), st.st_mode & 07777) != 0) {
    return fail(absl::ErrnoToStatus(errno, absl::StrCat("set attributes of ", volume_data)));
  }
  timespec times[2] = {st.st_atim, st.st_mtim};
  ::utimensat(AT_FDCWD, volume_data.c_str(), times, 0);
  (void)RemoveAll(staging);
  return !names->empty();
}

}  // namespace berth::snapshots
