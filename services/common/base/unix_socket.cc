#include "services/common/base/unix_socket.h"

#include <grp.h>
#include <sys/stat.h>
#include <unistd.h>

#include "absl/strings/str_cat.h"

namespace berth {

absl::Status SecureUnixSocket(const std::string& path, const std::vector<std::string>& groups) {
  if (::chmod(path.c_str(), 0660) != 0) {
    return absl::ErrnoToStatus(errno, absl::StrCat("chmod ", path));
  }
  for (const std::string& name : groups) {
    const group* entry = ::getgrnam(name.c_str());
    if (entry == nullptr) continue;
    if (::chown(path.c_str(), 0, entry->gr_gid) != 0) {
      return absl::ErrnoToStatus(errno, absl::StrCat("chown ", path));
    }
    break;
  }
  return absl::OkStatus();
}

}  // namespace berth
