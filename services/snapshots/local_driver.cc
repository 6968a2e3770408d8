#include "services/snapshots/local_driver.h"

#include <fcntl.h>
#include <sys/mount.h>
#include <sys/stat.h>

#include <cerrno>

#include "absl/strings/str_cat.h"
#include "services/common/mount/mount_options.h"

namespace berth::snapshots {

absl::Status ValidateLocalOptions(const DriverOptions& options) {
  for (const auto& [key, value] : options) {
    if (key == "size") {
      return absl::InvalidArgumentError("quota size requested but no quota support");
    }
    if (key != "type" && key != "device" && key != "o") {
      return absl::InvalidArgumentError(absl::StrCat("invalid option: \"", key, "\""));
    }
  }
  // docker's mandatory options, checked in its order.
  const std::pair<const char*, std::vector<const char*>> kRequired[] = {
      {"device", {"type"}}, {"type", {"device"}}, {"o", {"device", "type"}}};
  for (const auto& [option, required] : kRequired) {
    if (options.count(option) == 0) continue;
    for (const char* other : required) {
      if (options.count(other) == 0) {
        return absl::InvalidArgumentError(absl::StrCat("missing required option: \"", other, "\""));
      }
    }
  }
  return absl::OkStatus();
}

bool NeedsMount(const DriverOptions& options) {
  auto type = options.find("type");
  auto device = options.find("device");
  return (type != options.end() && !type->second.empty()) ||
         (device != options.end() && !device->second.empty());
}

bool IsMountPoint(const std::string& path) {
  struct statx st {};
  if (::statx(AT_FDCWD, path.c_str(), AT_SYMLINK_NOFOLLOW, STATX_BASIC_STATS, &st) != 0) {
    return false;
  }
  return (st.stx_attributes_mask & STATX_ATTR_MOUNT_ROOT) != 0 &&
         (st.stx_attributes & STATX_ATTR_MOUNT_ROOT) != 0;
}

absl::Status MountLocal(const DriverOptions& options, const std::string& path) {
  auto get = [&options](const char* key) {
    auto it = options.find(key);
    return it == options.end() ? std::string() : it->second;
  };
  std::string device = get("device");
  std::string type = get("type");
  if (device.empty()) return absl::InvalidArgumentError("missing device in volume options");
  mount::MountFlagsAndData parsed = mount::ParseMountOptions(get("o"), 0);
  // "none" is mount(8)'s word for no filesystem type (a bind).
  const char* fstype = type.empty() || type == "none" ? nullptr : type.c_str();
  if (::mount(device.c_str(), path.c_str(), fstype, parsed.flags,
              parsed.data.empty() ? nullptr : parsed.data.c_str()) != 0) {
    return absl::ErrnoToStatus(
        errno, absl::StrCat("failed to mount local volume: mount ", device, " on ", path));
  }
  // A read-only bind needs a second, remounting call.
  if ((parsed.flags & MS_BIND) != 0 && (parsed.flags & MS_RDONLY) != 0 &&
      ::mount(nullptr, path.c_str(), nullptr, MS_BIND | MS_REMOUNT | MS_RDONLY, nullptr) != 0) {
    absl::Status status = absl::ErrnoToStatus(errno, absl::StrCat("remount ", path, " read-only"));
    ::umount2(path.c_str(), MNT_DETACH);
    return status;
  }
  return absl::OkStatus();
}

}  // namespace berth::snapshots
