#ifndef BERTH_SERVICES_TASKS_CONTAINER_ROOT_H_
#define BERTH_SERVICES_TASKS_CONTAINER_ROOT_H_

// Where cp and export find a container's files. A running container's
// root is /proc/PID/root: its own mount namespace, volumes and binds
// included, as docker cp sees it. A stopped container's root is its
// snapshot mounted by us for the call. export wants the root filesystem
// alone (no volumes, no binds, no init files): a read-only overlay of the
// container's upper directory over its image layers, which also leaves the
// running container's upper and work directories to the container.

#include <memory>
#include <string>
#include <vector>

#include "absl/status/statusor.h"
#include "berth/tasks/v1/tasks.pb.h"
#include "berth/types/v1/types.pb.h"
#include "services/common/mount/mount.h"
#include "services/tasks/archive_helper.h"

namespace berth::tasks {

enum class RootView {
  // cp from: what the container sees (a stopped one: its filesystem, read-only).
  kRead,
  // cp to: writable, what the container sees.
  kWrite,
  // export: the root filesystem only, read-only.
  kRootfsOnly,
};

class ContainerRoot {
 public:
  ContainerRoot(std::string path, mount::ScopedMount mounted)
      : path_(std::move(path)), mounted_(std::move(mounted)) {}
  // /proc/PID/root: the running container's mounts are already there.
  static std::unique_ptr<ContainerRoot> Live(std::string path) {
    auto root = std::make_unique<ContainerRoot>(std::move(path), mount::ScopedMount());
    root->live_ = true;
    return root;
  }
  ContainerRoot(const ContainerRoot&) = delete;
  ContainerRoot& operator=(const ContainerRoot&) = delete;
  ~ContainerRoot();

  const std::string& path() const { return path_; }
  bool live() const { return live_; }

 private:
  std::string path_;
  bool live_ = false;
  mount::ScopedMount mounted_;
};

// snapshot_mounts: the container's snapshot as the snapshots service hands
// it out; scratch: a directory of ours to mount below.
absl::StatusOr<std::unique_ptr<ContainerRoot>> OpenContainerRoot(
    const v1::Container& container, RootView view,
    const std::vector<berth::types::v1::Mount>& snapshot_mounts, const std::string& scratch);

// Unmounts and removes what an earlier run left in scratch (a crash in the
// middle of a cp or export); called at start, before any call is served.
void ReleaseScratch(const std::string& scratch);

// The init files, volumes and bind mounts of a container as the archive
// helper attaches them to a stopped container's root (parents before what
// they contain).
std::vector<RootBind> VolumeBinds(const v1::Container& container);

// The read-only form of a writable snapshot's mounts: an overlay's upper
// directory becomes its top lower directory (no upper, no work directory);
// a bind mount becomes read-only.
std::vector<berth::types::v1::Mount> ReadOnlyView(
    const std::vector<berth::types::v1::Mount>& mounts);

}  // namespace berth::tasks

#endif  // BERTH_SERVICES_TASKS_CONTAINER_ROOT_H_
