#include "services/builder/context/resolve_in_root.h"

#include <errno.h>
#include <fcntl.h>
#include <sys/stat.h>
#include <unistd.h>

#include <cstring>
#include <vector>

#include "absl/strings/str_cat.h"
#include "absl/strings/str_split.h"
#include "services/builder/context/go_path.h"

namespace berth::buildcontext {
namespace {

absl::Status Forbidden(const std::string& rel) {
  return absl::PermissionDeniedError(
      absl::StrCat("forbidden path outside the build context: ", rel, " ()"));
}

}  // namespace

absl::StatusOr<std::string> ResolveInRoot(const std::string& root, const std::string& rel) {
  std::string cleaned = GoClean(rel);
  if (LeavesItsRoot(cleaned)) return Forbidden(rel);
  // Port of evalSymlinksInScope: `resolved` is the absolute path inside
  // root built so far, `remaining` what is left to walk.
  constexpr int kMaxIterations = 255;
  std::string remaining = GoClean("/" + cleaned);
  std::string resolved;
  for (int n = 0; !remaining.empty(); ++n) {
    if (n > kMaxIterations) return Forbidden(rel);
    std::string part;
    if (size_t slash = remaining.find('/'); slash == std::string::npos) {
      part = std::move(remaining);
      remaining.clear();
    } else {
      part = remaining.substr(0, slash);
      remaining = remaining.substr(slash + 1);
    }
    if (part.empty()) continue;
    std::string candidate = GoClean("/" + resolved + part);
    if (candidate == "/") {
      resolved.clear();
      continue;
    }
    std::string full = root + candidate;
    struct stat st;
    if (::lstat(full.c_str(), &st) != 0) {
      if (errno != ENOENT && errno != ENOTDIR) {
        return absl::InternalError(absl::StrCat("lstat ", rel, ": ", std::strerror(errno)));
      }
      resolved += part + "/";
      continue;
    }
    if (!S_ISLNK(st.st_mode)) {
      resolved += part + "/";
      continue;
    }
    std::vector<char> target(PATH_MAX + 1);
    ssize_t length = ::readlink(full.c_str(), target.data(), target.size() - 1);
    if (length < 0) {
      return absl::InternalError(absl::StrCat("readlink ", rel, ": ", std::strerror(errno)));
    }
    std::string link(target.data(), static_cast<size_t>(length));
    if (!link.empty() && link[0] == '/') resolved.clear();
    remaining = link + "/" + remaining;
  }
  std::string result = GoClean("/" + resolved);
  return result == "/" ? std::string(".") : result.substr(1);
}

absl::StatusOr<UniqueFd> OpenBeneath(int root_fd, const std::string& rel, int flags) {
  std::string cleaned = GoClean(rel);
  if (LeavesItsRoot(cleaned) || cleaned[0] == '/') {
    return absl::InvalidArgumentError(absl::StrCat("open ", rel, ": not below the root"));
  }
  if (cleaned == ".") {
    UniqueFd reopened(::openat(root_fd, ".", flags | O_CLOEXEC));
    if (!reopened.valid()) return absl::ErrnoToStatus(errno, "open .");
    return reopened;
  }
  UniqueFd current(::fcntl(root_fd, F_DUPFD_CLOEXEC, 0));
  if (!current.valid()) return absl::ErrnoToStatus(errno, "dup");
  std::vector<std::string> parts = absl::StrSplit(cleaned, '/');
  for (size_t i = 0; i < parts.size(); ++i) {
    bool last = i + 1 == parts.size();
    int step_flags = last ? flags : O_RDONLY | O_DIRECTORY;
    UniqueFd next(::openat(current.get(), parts[i].c_str(), step_flags | O_NOFOLLOW | O_CLOEXEC));
    if (!next.valid()) {
      int error = errno;
      return absl::ErrnoToStatus(error, absl::StrCat("open ", rel));
    }
    current = std::move(next);
  }
  return current;
}

}  // namespace berth::buildcontext
