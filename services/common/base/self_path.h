#ifndef BERTH_SERVICES_COMMON_BASE_SELF_PATH_H_
#define BERTH_SERVICES_COMMON_BASE_SELF_PATH_H_

// The directory of the running executable: berthd finds its services, the
// tasks service berth-shim, and the shim berth-init next to themselves.

#include <unistd.h>

#include <string>

namespace berth {

inline std::string SelfDirectory() {
  char buffer[4096];
  ssize_t n = ::readlink("/proc/self/exe", buffer, sizeof(buffer) - 1);
  if (n <= 0) return ".";
  std::string path(buffer, static_cast<size_t>(n));
  return path.substr(0, path.rfind('/'));
}

}  // namespace berth

#endif  // BERTH_SERVICES_COMMON_BASE_SELF_PATH_H_
