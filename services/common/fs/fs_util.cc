#include "services/common/fs/fs_util.h"

#include <fcntl.h>
#include <ftw.h>
#include <sys/stat.h>
#include <sys/xattr.h>
#include <unistd.h>

#include <map>
#include <set>
#include <vector>

#include <cstdio>
#include <fstream>
#include <sstream>

#include "absl/strings/str_cat.h"
#include "absl/strings/str_format.h"
#include "services/common/base/unique_fd.h"

namespace berth::fs {
namespace {

thread_local int64_t t_usage = 0;

int RemoveEntry(const char* path, const struct stat*, int type, struct FTW*) {
  int rc = (type == FTW_DP) ? ::rmdir(path) : ::unlink(path);
  return rc == 0 || errno == ENOENT ? 0 : -1;
}

int CountEntry(const char*, const struct stat* st, int type, struct FTW*) {
  if (type == FTW_F && S_ISREG(st->st_mode)) t_usage += st->st_size;
  return 0;
}

}  // namespace

absl::Status MakeDirectories(const std::string& path, mode_t mode) {
  for (size_t pos = 1; pos <= path.size(); ++pos) {
    if (pos != path.size() && path[pos] != '/') continue;
    std::string prefix = path.substr(0, pos);
    if (::mkdir(prefix.c_str(), mode) != 0 && errno != EEXIST) {
      return absl::ErrnoToStatus(errno, absl::StrCat("mkdir ", prefix));
    }
  }
  return absl::OkStatus();
}

absl::Status RemoveAll(const std::string& path) {
  struct stat st;
  if (::lstat(path.c_str(), &st) != 0) {
    return errno == ENOENT ? absl::OkStatus()
                           : absl::ErrnoToStatus(errno, absl::StrCat("stat ", path));
  }
  if (::nftw(path.c_str(), RemoveEntry, 32, FTW_DEPTH | FTW_PHYS | FTW_MOUNT) != 0) {
    return absl::ErrnoToStatus(errno, absl::StrCat("remove ", path));
  }
  return absl::OkStatus();
}

absl::StatusOr<int64_t> DiskUsage(const std::string& path) {
  t_usage = 0;
  if (::nftw(path.c_str(), CountEntry, 32, FTW_PHYS | FTW_MOUNT) != 0) {
    return absl::ErrnoToStatus(errno, absl::StrCat("walk ", path));
  }
  return t_usage;
}

std::string ReadFileOrEmpty(const std::string& path) {
  std::ifstream in(path, std::ios::binary);
  std::stringstream text;
  text << in.rdbuf();
  return text.str();
}

std::string RandomHex(int bytes) {
  std::ifstream random("/dev/urandom", std::ios::binary);
  std::string out;
  for (int i = 0; i < bytes; ++i) {
    unsigned char c = static_cast<unsigned char>(random.get());
    absl::StrAppendFormat(&out, "%02x", c);
  }
  return out;
}

}  // namespace berth::fs

namespace berth::fs {
namespace {

struct UsageWalk {
  int64_t bytes = 0;
  int64_t inodes = 0;
  std::set<std::pair<dev_t, ino_t>> seen;
};
thread_local UsageWalk* t_walk = nullptr;

int CountWithInodes(const char*, const struct stat* st, int, struct FTW*) {
  if (!t_walk->seen.insert({st->st_dev, st->st_ino}).second) return 0;
  t_walk->inodes++;
  if (S_ISREG(st->st_mode)) t_walk->bytes += st->st_size;
  return 0;
}

absl::Status CopyXattrs(const std::string& from, const std::string& to) {
  ssize_t size = ::llistxattr(from.c_str(), nullptr, 0);
  if (size <= 0) return absl::OkStatus();
  std::string names(static_cast<size_t>(size), '\0');
  size = ::llistxattr(from.c_str(), names.data(), names.size());
  if (size < 0) return absl::ErrnoToStatus(errno, absl::StrCat("list xattrs of ", from));
  for (size_t pos = 0; pos < static_cast<size_t>(size);) {
    std::string name(names.c_str() + pos);
    pos += name.size() + 1;
    ssize_t length = ::lgetxattr(from.c_str(), name.c_str(), nullptr, 0);
    if (length < 0) continue;
    std::string value(static_cast<size_t>(length), '\0');
    length = ::lgetxattr(from.c_str(), name.c_str(), value.data(), value.size());
    if (length < 0) continue;
    if (::lsetxattr(to.c_str(), name.c_str(), value.data(), static_cast<size_t>(length), 0) != 0 &&
        errno != ENOTSUP && errno != EPERM) {
      return absl::ErrnoToStatus(errno, absl::StrCat("set xattr ", name, " on ", to));
    }
  }
  return absl::OkStatus();
}

absl::Status CopyFile(const std::string& from, const std::string& to, const struct stat& st) {
  UniqueFd in(::open(from.c_str(), O_RDONLY | O_CLOEXEC | O_NOFOLLOW));
  if (!in.valid()) return absl::ErrnoToStatus(errno, absl::StrCat("open ", from));
  UniqueFd out(::open(to.c_str(), O_WRONLY | O_CREAT | O_EXCL | O_CLOEXEC, st.st_mode & 07777));
  if (!out.valid()) return absl::ErrnoToStatus(errno, absl::StrCat("create ", to));
  off_t remaining = st.st_size;
  while (remaining > 0) {
    // copy_file_range lets the filesystem share extents (reflink) or copy in
    // the kernel; fall back to read/write across filesystems.
    ssize_t n = ::copy_file_range(in.get(), nullptr, out.get(), nullptr,
                                  static_cast<size_t>(remaining), 0);
    if (n < 0 && (errno == EXDEV || errno == ENOSYS || errno == EINVAL)) {
      char buffer[1 << 16];
      n = ::read(in.get(), buffer, sizeof(buffer));
      if (n > 0 && ::write(out.get(), buffer, static_cast<size_t>(n)) != n) n = -1;
    }
    if (n < 0) return absl::ErrnoToStatus(errno, absl::StrCat("copy ", from));
    if (n == 0) break;
    remaining -= n;
  }
  return absl::OkStatus();
}

struct CopyState {
  std::string from;
  std::string to;
  std::map<std::pair<dev_t, ino_t>, std::string> links;
  std::vector<std::pair<std::string, struct stat>> directories;
  absl::Status status;
};
thread_local CopyState* t_copy = nullptr;

absl::Status CopyEntry(const std::string& source, const struct stat& st) {
  std::string relative = source.substr(t_copy->from.size());
  std::string target = t_copy->to + relative;
  if (relative.empty()) {
    t_copy->directories.emplace_back(target, st);
    return absl::OkStatus();
  }
  if (!S_ISDIR(st.st_mode) && st.st_nlink > 1) {
    auto [it, inserted] = t_copy->links.try_emplace({st.st_dev, st.st_ino}, target);
    if (!inserted) {
      if (::link(it->second.c_str(), target.c_str()) != 0) {
        return absl::ErrnoToStatus(errno, absl::StrCat("link ", target));
      }
      return absl::OkStatus();
    }
  }
  if (S_ISDIR(st.st_mode)) {
    if (::mkdir(target.c_str(), 0700) != 0) return absl::ErrnoToStatus(errno, "mkdir " + target);
    t_copy->directories.emplace_back(target, st);
  } else if (S_ISREG(st.st_mode)) {
    if (absl::Status status = CopyFile(source, target, st); !status.ok()) return status;
  } else if (S_ISLNK(st.st_mode)) {
    std::string link(static_cast<size_t>(st.st_size) + 1, '\0');
    ssize_t n = ::readlink(source.c_str(), link.data(), link.size());
    if (n < 0) return absl::ErrnoToStatus(errno, "readlink " + source);
    link.resize(static_cast<size_t>(n));
    if (::symlink(link.c_str(), target.c_str()) != 0) {
      return absl::ErrnoToStatus(errno, "symlink " + target);
    }
  } else {
    // Devices, fifos, sockets, and overlay whiteouts (0/0 char devices).
    if (::mknod(target.c_str(), st.st_mode, st.st_rdev) != 0) {
      return absl::ErrnoToStatus(errno, "mknod " + target);
    }
  }
  if (::lchown(target.c_str(), st.st_uid, st.st_gid) != 0) {
    return absl::ErrnoToStatus(errno, "chown " + target);
  }
  if (!S_ISLNK(st.st_mode) && !S_ISDIR(st.st_mode) && ::chmod(target.c_str(), st.st_mode & 07777) != 0) {
    return absl::ErrnoToStatus(errno, "chmod " + target);
  }
  if (absl::Status status = CopyXattrs(source, target); !status.ok()) return status;
  if (!S_ISDIR(st.st_mode)) {
    timespec times[2] = {st.st_atim, st.st_mtim};
    ::utimensat(AT_FDCWD, target.c_str(), times, AT_SYMLINK_NOFOLLOW);
  }
  return absl::OkStatus();
}

int CopyVisit(const char* path, const struct stat* st, int, struct FTW*) {
  absl::Status status = CopyEntry(path, *st);
  if (!status.ok()) {
    t_copy->status = status;
    return 1;
  }
  return 0;
}

}  // namespace

absl::StatusOr<std::pair<int64_t, int64_t>> DiskUsageWithInodes(const std::string& path) {
  UsageWalk walk;
  t_walk = &walk;
  int rc = ::nftw(path.c_str(), CountWithInodes, 32, FTW_PHYS | FTW_MOUNT);
  t_walk = nullptr;
  if (rc != 0) return absl::ErrnoToStatus(errno, absl::StrCat("walk ", path));
  return std::make_pair(walk.bytes, walk.inodes);
}

absl::Status CopyTree(const std::string& from, const std::string& to) {
  CopyState state;
  state.from = from;
  state.to = to;
  t_copy = &state;
  int rc = ::nftw(from.c_str(), CopyVisit, 64, FTW_PHYS | FTW_MOUNT);
  t_copy = nullptr;
  if (!state.status.ok()) return state.status;
  if (rc != 0) return absl::ErrnoToStatus(errno, absl::StrCat("copy ", from));
  // Directories last, deepest first: writing into them changed their mtime,
  // and a read-only mode must not stop the copy of their contents.
  for (auto it = state.directories.rbegin(); it != state.directories.rend(); ++it) {
    const auto& [target, st] = *it;
    if (::lchown(target.c_str(), st.st_uid, st.st_gid) != 0 ||
        ::chmod(target.c_str(), st.st_mode & 07777) != 0) {
      return absl::ErrnoToStatus(errno, "set attributes of " + target);
    }
    std::string source = from + target.substr(to.size());
    if (absl::Status status = CopyXattrs(source, target); !status.ok()) return status;
    timespec times[2] = {st.st_atim, st.st_mtim};
    ::utimensat(AT_FDCWD, target.c_str(), times, AT_SYMLINK_NOFOLLOW);
  }
  return absl::OkStatus();
}

}  // namespace berth::fs
