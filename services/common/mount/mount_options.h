#ifndef BERTH_SERVICES_COMMON_MOUNT_MOUNT_OPTIONS_H_
#define BERTH_SERVICES_COMMON_MOUNT_MOUNT_OPTIONS_H_

// mount(8)-style options split into mount(2) flags and filesystem data.

#include <string>

namespace berth::mount {

struct MountFlagsAndData {
  unsigned long flags = 0;
  std::string data;
};

// "ro,noexec,size=64m" -> MS_RDONLY|MS_NOEXEC and "size=64m". Starts from
// `defaults` (flags); "exec", "suid", "dev", "rw"... clear what they name.
MountFlagsAndData ParseMountOptions(const std::string& options, unsigned long defaults);

}  // namespace berth::mount

#endif  // BERTH_SERVICES_COMMON_MOUNT_MOUNT_OPTIONS_H_
