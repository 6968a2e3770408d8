#ifndef BERTH_SERVICES_COMMON_MOUNT_MOUNT_H_
#define BERTH_SERVICES_COMMON_MOUNT_MOUNT_H_

// Mounts what the snapshots service hands out (berth.types.v1.Mount). The
// snapshots service only describes filesystems; whoever needs one (the
// shim, commit, tests) mounts it with these.

#include <string>
#include <vector>

#include "absl/status/status.h"
#include "berth/types/v1/types.pb.h"

namespace berth::mount {

// Mounts each in order at target (their target field, if set, is relative
// to it). Handles bind (with ro/rw) and overlay; an overlay whose options
// exceed the kernel's one-page limit (e.g. 128 layers) is mounted with
// lowerdirs relative to their common parent, from a child process that
// changes directory, as containerd does.
absl::Status MountAll(const std::vector<berth::types::v1::Mount>& mounts,
                      const std::string& target);

// Unmounts target (lazily if it is busy).
absl::Status Unmount(const std::string& target);

// Unmounts on destruction: RAII for a mounted snapshot.
class ScopedMount {
 public:
  ScopedMount() = default;
  explicit ScopedMount(std::string target) : target_(std::move(target)) {}
  ScopedMount(ScopedMount&& other) noexcept : target_(std::move(other.target_)) {
    other.target_.clear();
  }
  ScopedMount& operator=(ScopedMount&& other) noexcept;
  ScopedMount(const ScopedMount&) = delete;
  ScopedMount& operator=(const ScopedMount&) = delete;
  ~ScopedMount();

  const std::string& target() const { return target_; }
  absl::Status Release();

 private:
  std::string target_;
};

}  // namespace berth::mount

#endif  // BERTH_SERVICES_COMMON_MOUNT_MOUNT_H_
