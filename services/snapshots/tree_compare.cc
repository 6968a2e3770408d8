#include "services/snapshots/tree_compare.h"

#include <dirent.h>
#include <fcntl.h>
#include <sys/sysmacros.h>
#include <sys/xattr.h>
#include <unistd.h>

#include <algorithm>
#include <cstring>

namespace berth::snapshots {

std::vector<std::string> SortedNames(const std::string& path) {
  std::vector<std::string> names;
  DIR* dir = ::opendir(path.c_str());
  if (dir == nullptr) return names;
  while (dirent* entry = ::readdir(dir)) {
    std::string name = entry->d_name;
    if (name != "." && name != "..") names.push_back(name);
  }
  ::closedir(dir);
  std::sort(names.begin(), names.end());
  return names;
}

bool SameContent(const std::string& a, const std::string& b) {
  int fa = ::open(a.c_str(), O_RDONLY | O_NOFOLLOW | O_CLOEXEC);
  int fb = ::open(b.c_str(), O_RDONLY | O_NOFOLLOW | O_CLOEXEC);
  bool same = fa >= 0 && fb >= 0;
  char x[1 << 15], y[1 << 15];
  while (same) {
    ssize_t n = ::read(fa, x, sizeof(x));
    ssize_t m = n > 0 ? ::read(fb, y, static_cast<size_t>(n)) : ::read(fb, y, 1);
    if (n < 0 || m != n || (n > 0 && std::memcmp(x, y, static_cast<size_t>(n)) != 0)) same = false;
    if (n <= 0) break;
  }
  if (fa >= 0) ::close(fa);
  if (fb >= 0) ::close(fb);
  return same;
}

std::string LinkTarget(const std::string& path) {
  char buffer[4096];
  ssize_t n = ::readlink(path.c_str(), buffer, sizeof(buffer));
  return n < 0 ? std::string() : std::string(buffer, static_cast<size_t>(n));
}

bool Unchanged(const std::string& path, const struct stat& st, const std::string& parent_path,
               const struct stat& parent) {
  if ((st.st_mode & S_IFMT) != (parent.st_mode & S_IFMT) || st.st_mode != parent.st_mode ||
      st.st_uid != parent.st_uid || st.st_gid != parent.st_gid) {
    return false;
  }
  if (S_ISDIR(st.st_mode)) {
    return st.st_mtim.tv_sec == parent.st_mtim.tv_sec && st.st_mtim.tv_nsec == parent.st_mtim.tv_nsec;
  }
  if (S_ISLNK(st.st_mode)) return LinkTarget(path) == LinkTarget(parent_path);
  if (S_ISCHR(st.st_mode) || S_ISBLK(st.st_mode)) return st.st_rdev == parent.st_rdev;
  if (!S_ISREG(st.st_mode)) return true;
  if (st.st_size != parent.st_size || st.st_mtim.tv_sec != parent.st_mtim.tv_sec ||
      st.st_mtim.tv_nsec != parent.st_mtim.tv_nsec) {
    return false;
  }
  return st.st_mtim.tv_nsec != 0 || SameContent(path, parent_path);
}

bool IsOpaque(const std::string& path) {
  for (const char* name : {"trusted.overlay.opaque", "user.overlay.opaque"}) {
    char value[2] = {};
    if (::lgetxattr(path.c_str(), name, value, 1) == 1 && value[0] == 'y') return true;
  }
  return false;
}

bool IsWhiteout(const struct stat& st) {
  return S_ISCHR(st.st_mode) && st.st_rdev == makedev(0, 0);
}

}  // namespace berth::snapshots
