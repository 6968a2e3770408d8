#include "services/tasks/container_root.h"

#include <dirent.h>
#include <fcntl.h>
#include <sys/mount.h>
#include <sys/stat.h>
#include <unistd.h>

#include <algorithm>
#include <cerrno>

#include "absl/strings/match.h"
#include "absl/strings/str_cat.h"
#include "absl/strings/str_split.h"
#include "services/common/fs/fs_util.h"
#include "services/tasks/archive_helper.h"
#include "services/tasks/task_manager.h"

namespace berth::tasks {
namespace {

using berth::types::v1::Mount;

}  // namespace

ContainerRoot::~ContainerRoot() {
  if (mounted_.target().empty()) return;
  std::string target = mounted_.target();
  (void)mounted_.Release();
  ::rmdir(target.c_str());
}

std::vector<RootBind> VolumeBinds(const v1::Container& container) {
  std::vector<RootBind> binds;
  // The init files, as the container sees them (docker's network mounts).
  for (const auto& [source, destination] :
       {std::pair{container.hostname_path(), "/etc/hostname"},
        std::pair{container.hosts_path(), "/etc/hosts"},
        std::pair{container.resolv_conf_path(), "/etc/resolv.conf"}}) {
    if (!source.empty() && ::access(source.c_str(), F_OK) == 0) {
      binds.push_back({source, destination, false});
    }
  }
  for (const v1::MountSpec& mount : container.spec().mounts()) {
    if (mount.type() != "bind" && mount.type() != "volume") continue;
    std::string source = mount.resolved_source();
    if (source.empty() && mount.type() == "bind") source = mount.source();
    if (source.empty() || mount.destination().empty()) continue;
    binds.push_back({source, mount.destination(), mount.read_only()});
  }
  std::stable_sort(binds.begin(), binds.end(), [](const RootBind& a, const RootBind& b) {
    return std::count(a.destination.begin(), a.destination.end(), '/') <
           std::count(b.destination.begin(), b.destination.end(), '/');
  });
  return binds;
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
    return ContainerRoot::Live(absl::StrCat("/proc/", container.state().pid(), "/root"));
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

}  // namespace berth::tasks
