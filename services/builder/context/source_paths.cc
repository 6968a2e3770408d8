#include "services/builder/context/source_paths.h"

#include <dirent.h>
#include <errno.h>
#include <fcntl.h>

#include <algorithm>
#include <cstring>

#include "absl/strings/match.h"
#include "absl/strings/str_cat.h"
#include "services/builder/context/go_path.h"
#include "services/builder/context/resolve_in_root.h"

namespace berth::buildcontext {
namespace {

std::string InstructionName(const CopyRequest& request) {
  return request.extract_archives ? "ADD" : "COPY";
}

absl::Status Failed(const CopyRequest& request, const absl::Status& status) {
  return absl::Status(status.code(),
                      absl::StrCat(InstructionName(request), " failed: ", status.message()));
}

// The names in a directory, sorted as Go's WalkDir visits them.
absl::StatusOr<std::vector<std::string>> SortedNames(int dir_fd) {
  int copy = ::fcntl(dir_fd, F_DUPFD_CLOEXEC, 0);
  if (copy < 0) return absl::ErrnoToStatus(errno, "dup");
  DIR* dir = ::fdopendir(copy);
  if (dir == nullptr) {
    int error = errno;
    ::close(copy);
    return absl::ErrnoToStatus(error, "opendir");
  }
  std::vector<std::string> names;
  errno = 0;
  while (struct dirent* entry = ::readdir(dir)) {
    std::string name = entry->d_name;
    if (name != "." && name != "..") names.push_back(std::move(name));
  }
  ::closedir(dir);
  std::sort(names.begin(), names.end());
  return names;
}

class SourceFinder {
 public:
  SourceFinder(const CopyRequest& request, int root_fd) : request_(request), root_fd_(root_fd) {}

  absl::Status Add(const std::string& original) {
    std::string path = original;
    if (absl::StartsWith(path, "/")) path.erase(0, 1);
    if (absl::StartsWith(path, "./")) path.erase(0, 2);
    if (request_.allow_wildcards && ContainsWildcards(path)) return Expand(path);
    return AddPath(path);
  }

  std::vector<SourcePath> Take() { return std::move(found_); }

 private:
  absl::Status AddPath(const std::string& path) {
    absl::StatusOr<std::string> resolved = ResolveInRoot(request_.root, path);
    if (!resolved.ok()) return resolved.status();
    SourcePath source{path, *resolved, {}};
    int rc = -1;
    if (*resolved == ".") {
      rc = ::fstat(root_fd_, &source.st);
    } else {
      size_t slash = resolved->rfind('/');
      std::string parent = slash == std::string::npos ? "." : resolved->substr(0, slash);
      std::string base = slash == std::string::npos ? *resolved : resolved->substr(slash + 1);
      absl::StatusOr<UniqueFd> dir = OpenBeneath(root_fd_, parent, O_RDONLY | O_DIRECTORY);
      if (dir.ok()) {
        rc = ::fstatat(dir->get(), base.c_str(), &source.st, AT_SYMLINK_NOFOLLOW);
      } else if (absl::IsNotFound(dir.status()) || absl::IsFailedPrecondition(dir.status())) {
        errno = ENOENT;
      } else {
        return dir.status();
      }
    }
    if (rc != 0) {
      if (errno == ENOENT || errno == ENOTDIR) {
        std::string missing = absl::StrCat("stat ", path, ": file does not exist");
        if (request_.from_image) return absl::NotFoundError(missing);
        return absl::NotFoundError(absl::StrCat(
            "file not found in build context or excluded by .dockerignore: ", missing));
      }
      return absl::ErrnoToStatus(errno, absl::StrCat("stat ", path));
    }
    found_.push_back(std::move(source));
    return absl::OkStatus();
  }

  // copyWithWildcards: every path below root that the pattern matches, in
  // walk order. "*" never crosses "/", so the walk stops at the depth the
  // pattern can reach (each "/" of a name needs a "/" or a class).
  absl::Status Expand(const std::string& pattern) {
    max_depth_ = 1 + std::count(pattern.begin(), pattern.end(), '/') +
                 std::count(pattern.begin(), pattern.end(), '[');
    absl::StatusOr<UniqueFd> root = OpenBeneath(root_fd_, ".", O_RDONLY | O_DIRECTORY);
    if (!root.ok()) return root.status();
    return Walk(root->get(), "", 1, pattern);
  }

  absl::Status Walk(int dir_fd, const std::string& prefix, int depth, const std::string& pattern) {
    absl::StatusOr<std::vector<std::string>> names = SortedNames(dir_fd);
    if (!names.ok()) return names.status();
    for (const std::string& name : *names) {
      std::string rel = prefix.empty() ? name : absl::StrCat(prefix, "/", name);
      absl::StatusOr<bool> match = GoMatch(pattern, rel);
      // docker ignores a malformed pattern's error: it matches nothing.
      if (match.ok() && *match) {
        if (absl::Status added = AddPath(rel); !added.ok()) return added;
      }
      if (depth >= max_depth_) continue;
      struct stat st;
      if (::fstatat(dir_fd, name.c_str(), &st, AT_SYMLINK_NOFOLLOW) != 0 || !S_ISDIR(st.st_mode)) continue;
      UniqueFd child(::openat(dir_fd, name.c_str(), O_RDONLY | O_DIRECTORY | O_NOFOLLOW | O_CLOEXEC));
      if (!child.valid()) return absl::ErrnoToStatus(errno, absl::StrCat("open ", rel));
      if (absl::Status walked = Walk(child.get(), rel, depth + 1, pattern); !walked.ok()) return walked;
    }
    return absl::OkStatus();
  }

  const CopyRequest& request_;
  int root_fd_;
  int64_t max_depth_ = 0;
  std::vector<SourcePath> found_;
};

}  // namespace

bool ContainsWildcards(const std::string& name) {
  for (size_t i = 0; i < name.size(); ++i) {
    if (name[i] == '\\') {
      ++i;
    } else if (name[i] == '*' || name[i] == '?' || name[i] == '[') {
      return true;
    }
  }
  return false;
}

absl::StatusOr<std::vector<SourcePath>> ResolveSourcePaths(const CopyRequest& request, int root_fd) {
  SourceFinder finder(request, root_fd);
  for (const std::string& source : request.sources) {
    if (absl::Status added = finder.Add(source); !added.ok()) return Failed(request, added);
  }
  std::vector<SourcePath> found = finder.Take();
  if (found.empty()) {
    return Failed(request, absl::InvalidArgumentError("no source files were specified"));
  }
  return found;
}

}  // namespace berth::buildcontext
