#include "services/snapshots/fs_util.h"

#include <ftw.h>
#include <sys/stat.h>
#include <unistd.h>

#include <cstdio>
#include <fstream>

#include "absl/strings/str_cat.h"
#include "absl/strings/str_format.h"

namespace berth::snapshots {
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

std::string RandomHex(int bytes) {
  std::ifstream random("/dev/urandom", std::ios::binary);
  std::string out;
  for (int i = 0; i < bytes; ++i) {
    unsigned char c = static_cast<unsigned char>(random.get());
    absl::StrAppendFormat(&out, "%02x", c);
  }
  return out;
}

}  // namespace berth::snapshots
