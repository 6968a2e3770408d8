#include "services/builder/context_dir.h"

#include <dirent.h>
#include <fcntl.h>
#include <sys/stat.h>
#include <unistd.h>

#include <vector>

#include "absl/strings/str_cat.h"
#include "services/builder/context/context_extract.h"
#include "services/builder/context/dockerignore.h"
#include "services/builder/context/resolve_in_root.h"
#include "services/common/fs/fs_util.h"

namespace berth::builder {
namespace {

// Walks dir (relative path rel), removing what the matcher excludes.
absl::Status Prune(const std::string& root, const std::string& rel,
                   const buildcontext::IgnoreMatcher& matcher) {
  std::string dir_path = rel.empty() ? root : root + "/" + rel;
  DIR* dir = ::opendir(dir_path.c_str());
  if (dir == nullptr) return absl::ErrnoToStatus(errno, "open " + dir_path);
  std::vector<std::pair<std::string, bool>> entries;
  while (dirent* entry = ::readdir(dir)) {
    std::string name = entry->d_name;
    if (name == "." || name == "..") continue;
    entries.emplace_back(name, entry->d_type == DT_DIR);
  }
  ::closedir(dir);
  for (const auto& [name, is_dir] : entries) {
    std::string child = rel.empty() ? name : rel + "/" + name;
    if (matcher.Excluded(child)) {
      if (!(is_dir && matcher.MayHaveExceptionsBelow(child))) {
        if (absl::Status removed = fs::RemoveAll(root + "/" + child); !removed.ok()) {
          return removed;
        }
        continue;
      }
    }
    if (is_dir) {
      if (absl::Status pruned = Prune(root, child, matcher); !pruned.ok()) return pruned;
    }
  }
  return absl::OkStatus();
}

}  // namespace

absl::StatusOr<std::unique_ptr<ContextDir>> ContextDir::Receive(const archive::ReadChunk& read,
                                                                const std::string& parent) {
  auto dir = ScratchDir::Make(parent);
  if (!dir.ok()) return dir.status();
  const std::string path = (*dir)->path();
  std::unique_ptr<ContextDir> context(new ContextDir(*std::move(dir)));
  // An empty stream is no context (a Dockerfile alone); else a tar.
  auto first = read();
  if (!first.ok()) return first.status();
  if (first->empty()) return context;
  bool first_given = false;
  std::string held(*first);
  auto replay = [&]() -> absl::StatusOr<std::string_view> {
    if (!first_given) {
      first_given = true;
      return std::string_view(held);
    }
    return read();
  };
  auto extracted = buildcontext::ExtractContext(replay, path);
  if (!extracted.ok()) {
    return absl::InvalidArgumentError(
        absl::StrCat("the build context: ", extracted.status().message()));
  }
  return context;
}

absl::StatusOr<std::string> ContextDir::ReadInside(const std::string& name) const {
  auto resolved = buildcontext::ResolveInRoot(path(), name);
  if (!resolved.ok()) return resolved.status();
  UniqueFd root(::open(path().c_str(), O_PATH | O_DIRECTORY | O_CLOEXEC));
  if (!root.valid()) return absl::ErrnoToStatus(errno, "open the context");
  auto fd = buildcontext::OpenBeneath(root.get(), *resolved, O_RDONLY);
  if (!fd.ok()) return fd.status();
  std::string text;
  char buffer[65536];
  while (true) {
    ssize_t n = ::read(fd->get(), buffer, sizeof(buffer));
    if (n < 0 && errno == EINTR) continue;
    if (n < 0) return absl::ErrnoToStatus(errno, "read " + name);
    if (n == 0) break;
    text.append(buffer, static_cast<size_t>(n));
    if (text.size() > (size_t{16} << 20)) {
      return absl::InvalidArgumentError(name + " is larger than 16 MiB");
    }
  }
  return text;
}

absl::StatusOr<std::string> ContextDir::ReadDockerfile(const std::string& name) const {
  auto text = ReadInside(name);
  if (!text.ok()) {
    return absl::NotFoundError(absl::StrCat("Cannot locate specified Dockerfile: ", name));
  }
  return text;
}

absl::Status ContextDir::ApplyDockerignore(const std::string& dockerfile_name) {
  auto text = ReadInside(dockerfile_name + ".dockerignore");
  if (!text.ok()) text = ReadInside(".dockerignore");
  if (!text.ok()) return absl::OkStatus();
  auto matcher =
      buildcontext::IgnoreMatcher::Create(buildcontext::ParseDockerignore(*text), dockerfile_name);
  if (!matcher.ok()) return matcher.status();
  return Prune(path(), "", *matcher);
}

}  // namespace berth::builder
