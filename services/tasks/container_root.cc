#include "services/tasks/container_root.h"

#include <dirent.h>
#include <fcntl.h>
#include <sys/mount.h>
#include <linux/openat2.h>
#include <sys/stat.h>
#include <sys/syscall.h>
#include <unistd.h>

#include <cerrno>

#include "absl/strings/match.h"
#include "absl/strings/str_cat.h"
#include "absl/strings/str_split.h"
#include "services/common/base/unique_fd.h"
#include "services/common/fs/fs_util.h"
#include "services/tasks/archive_helper.h"
#include "services/tasks/task_manager.h"

namespace berth::tasks {
namespace {

using berth::types::v1::Mount;

int OpenAt2(int dirfd, const std::string& path, uint64_t flags, uint64_t resolve) {
  struct open_how how = {};
  how.flags = flags;
  how.resolve = resolve;
  return static_cast<int>(::syscall(SYS_openat2, dirfd, path.c_str(), &how, sizeof(how)));
}

}  // namespace

ContainerRoot::~ContainerRoot() {
  if (mounted_.target().empty()) return;
  std::string target = mounted_.target();
  (void)mounted_.Release();
  ::rmdir(target.c_str());
}

void ReleaseScratch(const std::string& scratch) {
  DIR* dir = ::opendir(scratch.c_str());
  if (dir == nullptr) return;
  std::vector<std::string> names;
  while (dirent* entry = ::readdir(dir)) {
    std::string name = entry->d_name;
    if (name != "." && name != "..") names.push_back(name);
  }
  ::closedir(dir);
  for (const std::string& name : names) {
    std::string path = absl::StrCat(scratch, "/", name);
    ::umount2(path.c_str(), MNT_DETACH);
    if (::rmdir(path.c_str()) != 0) ::unlink(path.c_str());
  }
}

std::vector<Mount> ReadOnlyView(const std::vector<Mount>& mounts) {
  std::vector<Mount> view;
  for (const Mount& m : mounts) {
    Mount out;
    out.set_type(m.type());
    out.set_source(m.source());
    out.set_target(m.target());
    if (m.type() != "overlay") {
      for (const std::string& option : m.options()) {
        if (option != "rw" && option != "ro") out.add_options(option);
      }
      out.add_options("ro");
      view.push_back(out);
      continue;
    }
    std::string upper, lower;
    for (const std::string& option : m.options()) {
      absl::string_view value(option);
      if (absl::ConsumePrefix(&value, "upperdir=")) {
        upper = std::string(value);
      } else if (absl::ConsumePrefix(&value, "lowerdir=")) {
        lower = std::string(value);
      }
    }
    out.add_options("ro");
    if (upper.empty()) {
      out.add_options("lowerdir=" + lower);
    } else if (lower.empty()) {
      // A single directory: overlay wants two, a bind shows the same.
      out.set_type("bind");
      out.set_source(upper);
      out.clear_options();
      out.add_options("ro");
      out.add_options("rbind");
    } else {
      out.add_options(absl::StrCat("lowerdir=", upper, ":", lower));
    }
    view.push_back(out);
  }
  return view;
}

absl::StatusOr<std::unique_ptr<ContainerRoot>> OpenContainerRoot(
    const v1::Container& container, RootView view, const std::vector<Mount>& snapshot_mounts,
    const std::string& scratch) {
  bool running = IsRunning(container) && container.state().pid() > 0;
  if (running && view != RootView::kRootfsOnly) {
    return std::make_unique<ContainerRoot>(absl::StrCat("/proc/", container.state().pid(), "/root"),
                                           mount::ScopedMount());
  }
  if (snapshot_mounts.empty()) {
    return absl::FailedPreconditionError(
        absl::StrCat("container ", container.id(), " has no filesystem"));
  }
  if (absl::Status made = fs::MakeDirectories(scratch, 0700); !made.ok()) return made;
  std::string target = absl::StrCat(scratch, "/", container.id().substr(0, 12), "-", fs::RandomHex(6));
  if (::mkdir(target.c_str(), 0700) != 0) return absl::ErrnoToStatus(errno, "mkdir " + target);
  std::vector<Mount> mounts =
      view == RootView::kWrite ? snapshot_mounts : ReadOnlyView(snapshot_mounts);
  if (absl::Status mounted = mount::MountAll(mounts, target); !mounted.ok()) {
    ::rmdir(target.c_str());
    return mounted;
  }
  return std::make_unique<ContainerRoot>(target, mount::ScopedMount(target));
}

absl::StatusOr<v1::PathStat> StatInRoot(const std::string& root, const std::string& path) {
  UniqueFd root_fd(::open(root.c_str(), O_PATH | O_DIRECTORY | O_CLOEXEC));
  if (!root_fd.valid()) return absl::ErrnoToStatus(errno, "open the container's root");
  bool follow = absl::EndsWith(path, "/") || absl::EndsWith(path, "/.");
  auto [directory, base] = SplitDirEntry(path);
  std::string relative = base == "." ? directory : absl::StrCat(directory, "/", base);
  UniqueFd fd(OpenAt2(root_fd.get(), relative,
                      O_PATH | O_CLOEXEC | (follow ? 0 : O_NOFOLLOW),
                      RESOLVE_IN_ROOT | RESOLVE_NO_MAGICLINKS));
  if (!fd.valid()) {
    if (errno == ENOENT || errno == ENOTDIR) {
      return absl::NotFoundError(absl::StrCat("no such file or directory: ", path));
    }
    return absl::ErrnoToStatus(errno, "stat " + path);
  }
  struct stat st;
  if (::fstat(fd.get(), &st) != 0) return absl::ErrnoToStatus(errno, "stat " + path);
  if (follow && !S_ISDIR(st.st_mode)) {
    return absl::InvalidArgumentError(absl::StrCat(path, ": not a directory"));
  }
  v1::PathStat stat;
  std::string name = base;
  if (name == ".") {
    size_t slash = directory.rfind('/');
    name = directory.substr(slash + 1);
    if (name.empty()) name = "/";
  }
  stat.set_name(name);
  stat.set_size(st.st_size);
  stat.set_mode(st.st_mode);
  stat.mutable_mtime()->set_seconds(st.st_mtim.tv_sec);
  stat.mutable_mtime()->set_nanos(static_cast<int32_t>(st.st_mtim.tv_nsec));
  if (S_ISLNK(st.st_mode)) {
    char target[4096];
    ssize_t n = ::readlinkat(fd.get(), "", target, sizeof(target) - 1);
    if (n > 0) stat.set_link_target(std::string(target, static_cast<size_t>(n)));
  }
  return stat;
}

}  // namespace berth::tasks
