// LoadDaemonConfigFile: reads daemon.json from disk.

#include <fcntl.h>
#include <unistd.h>

#include <cerrno>
#include <string>

#include "absl/strings/str_cat.h"
#include "services/common/config/daemon_config.h"

namespace berth::config {
namespace {

// POSIX calls rather than ifstream so that errors carry errno (ENOENT,
// EACCES, EISDIR) instead of one "cannot read".
absl::StatusOr<std::string> ReadFile(const std::string& path) {
  int fd = ::open(path.c_str(), O_RDONLY | O_CLOEXEC);
  if (fd < 0) return absl::ErrnoToStatus(errno, absl::StrCat("open ", path));
  std::string contents;
  char buffer[16384];
  while (true) {
    ssize_t n = ::read(fd, buffer, sizeof(buffer));
    if (n < 0 && errno == EINTR) continue;
    if (n < 0) {
      absl::Status status = absl::ErrnoToStatus(errno, absl::StrCat("read ", path));
      ::close(fd);
      return status;
    }
    if (n == 0) break;
    contents.append(buffer, static_cast<size_t>(n));
  }
  ::close(fd);
  return contents;
}

}  // namespace

absl::StatusOr<DaemonConfig> LoadDaemonConfigFile(const std::string& path, bool must_exist) {
  absl::StatusOr<std::string> contents = ReadFile(path);
  if (!contents.ok()) {
    if (absl::IsNotFound(contents.status()) && !must_exist) return DaemonConfig();
    return absl::Status(contents.status().code(),
                        absl::StrCat("configuration file: ", contents.status().message()));
  }
  return ParseDaemonConfig(*contents, path);
}

}  // namespace berth::config
