#include "services/builder/context/context_tar.h"

#include <dirent.h>
#include <fcntl.h>
#include <sys/stat.h>
#include <unistd.h>

#include <algorithm>
#include <ctime>
#include <vector>

#include "absl/strings/str_cat.h"
#include "services/builder/context/libarchive_util.h"
#include "services/common/base/unique_fd.h"

namespace berth::buildcontext {
namespace {

class ContextWalker {
 public:
  ContextWalker(const std::string& root, const IgnoreMatcher& matcher, PaxWriter* writer)
      : root_(root), matcher_(matcher), writer_(writer) {}

  absl::Status Walk(const std::string& rel) {
    std::string path = rel.empty() ? root_ : root_ + "/" + rel;
    DIR* dir = ::opendir(path.c_str());
    if (dir == nullptr) return absl::ErrnoToStatus(errno, "open " + path);
    std::vector<std::string> names;
    while (dirent* entry = ::readdir(dir)) {
      std::string name = entry->d_name;
      if (name != "." && name != "..") names.push_back(name);
    }
    ::closedir(dir);
    // A stable order: the same context makes the same tar.
    std::sort(names.begin(), names.end());
    for (const std::string& name : names) {
      std::string child = rel.empty() ? name : rel + "/" + name;
      struct stat st;
      if (::lstat((root_ + "/" + child).c_str(), &st) != 0) {
        return absl::ErrnoToStatus(errno, "stat " + child);
      }
      bool excluded = matcher_.Excluded(child);
      if (excluded && !(S_ISDIR(st.st_mode) && matcher_.MayHaveExceptionsBelow(child))) continue;
      if (!excluded) {
        if (absl::Status written = Entry(child, st); !written.ok()) return written;
      }
      if (S_ISDIR(st.st_mode)) {
        if (absl::Status walked = Walk(child); !walked.ok()) return walked;
      }
    }
    return absl::OkStatus();
  }

  int64_t bytes() const { return bytes_; }

 private:
  absl::Status Entry(const std::string& rel, const struct stat& st) {
    ArchiveEntry entry(archive_entry_new());
    archive_entry_copy_stat(entry.get(), &st);
    archive_entry_set_uid(entry.get(), 0);
    archive_entry_set_gid(entry.get(), 0);
    archive_entry_set_pathname(entry.get(), S_ISDIR(st.st_mode) ? (rel + "/").c_str() : rel.c_str());
    std::string full = root_ + "/" + rel;
    if (S_ISLNK(st.st_mode)) {
      std::string target(static_cast<size_t>(st.st_size) + 1, '\0');
      ssize_t n = ::readlink(full.c_str(), target.data(), target.size());
      if (n < 0) return absl::ErrnoToStatus(errno, "readlink " + rel);
      target.resize(static_cast<size_t>(n));
      archive_entry_set_symlink(entry.get(), target.c_str());
    } else if (!S_ISREG(st.st_mode) && !S_ISDIR(st.st_mode)) {
      return absl::OkStatus();  // sockets, fifos, devices: docker skips them too
    }
    if (!S_ISREG(st.st_mode)) archive_entry_set_size(entry.get(), 0);
    if (absl::Status header = writer_->WriteHeader(entry.get()); !header.ok()) return header;
    if (!S_ISREG(st.st_mode)) return absl::OkStatus();
    UniqueFd fd(::open(full.c_str(), O_RDONLY | O_NOFOLLOW | O_CLOEXEC));
    if (!fd.valid()) return absl::ErrnoToStatus(errno, "open " + rel);
    std::vector<char> buffer(1 << 20);
    int64_t left = st.st_size;
    while (left > 0) {
      ssize_t n = ::read(fd.get(), buffer.data(), std::min<int64_t>(left, buffer.size()));
      if (n < 0 && errno == EINTR) continue;
      if (n < 0) return absl::ErrnoToStatus(errno, "read " + rel);
      if (n == 0) return absl::DataLossError(rel + " shrank while it was read");
      if (absl::Status data = writer_->WriteData(buffer.data(), static_cast<size_t>(n));
          !data.ok()) {
        return data;
      }
      left -= n;
      bytes_ += n;
    }
    return absl::OkStatus();
  }

  const std::string& root_;
  const IgnoreMatcher& matcher_;
  PaxWriter* writer_;
  int64_t bytes_ = 0;
};

}  // namespace

absl::Status WriteContextTar(const std::string& dir, const IgnoreMatcher& matcher,
                             const archive::WriteChunk& write, int64_t* bytes) {
  PaxWriter writer(write);
  if (absl::Status opened = writer.Open(); !opened.ok()) return opened;
  ContextWalker walker(dir, matcher, &writer);
  if (absl::Status walked = walker.Walk(""); !walked.ok()) return walked;
  if (bytes != nullptr) *bytes = walker.bytes();
  return writer.Close();
}

absl::Status WriteDirectoryTar(const std::string& directory, const archive::WriteChunk& write) {
  std::string name = directory;
  while (!name.empty() && name.front() == '/') name.erase(0, 1);
  while (!name.empty() && name.back() == '/') name.pop_back();
  PaxWriter writer(write);
  if (absl::Status opened = writer.Open(); !opened.ok()) return opened;
  if (!name.empty()) {
    ArchiveEntry entry(archive_entry_new());
    archive_entry_set_pathname(entry.get(), (name + "/").c_str());
    archive_entry_set_filetype(entry.get(), AE_IFDIR);
    archive_entry_set_perm(entry.get(), 0755);
    archive_entry_set_uid(entry.get(), 0);
    archive_entry_set_gid(entry.get(), 0);
    archive_entry_set_mtime(entry.get(), std::time(nullptr), 0);
    if (absl::Status header = writer.WriteHeader(entry.get()); !header.ok()) return header;
  }
  return writer.Close();
}

}  // namespace berth::buildcontext
