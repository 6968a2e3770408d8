#include "services/builder/context/copy_sources.h"

#include <dirent.h>
#include <errno.h>
#include <fcntl.h>
#include <sys/stat.h>
#include <sys/sysmacros.h>
#include <sys/xattr.h>
#include <unistd.h>

#include <algorithm>
#include <cstring>
#include <ctime>
#include <map>
#include <set>
#include <utility>
#include <vector>

#include "absl/strings/match.h"
#include "absl/strings/str_cat.h"
#include "absl/strings/str_split.h"
#include "services/builder/context/go_path.h"
#include "services/builder/context/libarchive_util.h"
#include "services/builder/context/resolve_in_root.h"
#include "services/builder/context/source_paths.h"
#include "services/common/digest/sha256.h"

namespace berth::buildcontext {
namespace {

constexpr size_t kBufferSize = 1 << 16;

std::string Join(const std::string& dir, const std::string& name) {
  if (dir.empty() || dir == ".") return name;
  if (name.empty() || name == ".") return dir;
  return absl::StrCat(dir, "/", name);
}

std::string BaseName(const std::string& path) {
  std::string cleaned = GoClean(path);
  size_t slash = cleaned.rfind('/');
  return slash == std::string::npos ? cleaned : cleaned.substr(slash + 1);
}

std::string DirName(const std::string& path) {
  size_t slash = path.rfind('/');
  return slash == std::string::npos ? "" : path.substr(0, slash);
}

// A tar name in the image from a name an archive carries: cleaned as Go's
// filepath.Clean, a leading "/" meaning the extraction directory.
std::string ArchiveRelative(const char* raw) {
  std::string cleaned = GoClean(raw == nullptr ? "" : raw);
  if (cleaned[0] == '/') cleaned = cleaned == "/" ? "." : cleaned.substr(1);
  return cleaned;
}

// Builds the checksum from records of length-prefixed fields, so that no
// two different sequences of fields hash alike.
class Recorder {
 public:
  Recorder& Field(absl::string_view value) {
    std::string length = absl::StrCat(value.size(), ":");
    hash_.Update(length.data(), length.size());
    hash_.Update(value.data(), value.size());
    return *this;
  }
  Recorder& Field(int64_t value) { return Field(absl::StrCat(value)); }
  void End() { hash_.Update("\n", 1); }
  std::string Digest() const { return hash_.Digest(); }

 private:
  Sha256 hash_;
};

class Copier {
 public:
  Copier(const CopyRequest& request, PaxWriter* out) : request_(request), out_(out) {
    preserve_owners_ = request.from_image && !request.uid.has_value();
    uid_ = request.uid.value_or(0);
    gid_ = request.gid.value_or(uid_);
  }

  absl::Status Run() {
    if (request_.destination.empty() || request_.destination[0] != '/') {
      return absl::InvalidArgumentError(
          absl::StrCat("destination \"", request_.destination, "\" is not absolute"));
    }
    std::string dest = GoClean(request_.destination);
    dest_rel_ = dest == "/" ? "" : dest.substr(1);
    dest_is_dir_name_ = absl::EndsWith(request_.destination, "/");
    UniqueFd root(::open(request_.root.c_str(), O_RDONLY | O_DIRECTORY | O_CLOEXEC));
    if (!root.valid()) return absl::ErrnoToStatus(errno, absl::StrCat("open ", request_.root));
    absl::StatusOr<std::vector<SourcePath>> sources = ResolveSourcePaths(request_, root.get());
    if (!sources.ok()) return sources.status();
    if (sources->size() > 1 && !dest_is_dir_name_) {
      return absl::InvalidArgumentError(absl::StrCat(
          "When using ", request_.extract_archives ? "ADD" : "COPY",
          " with more than one source file, the destination must be a directory and end with a /"));
    }
    recorder_.Field("berth-copy/1").Field(request_.destination)
        .Field(preserve_owners_ ? std::string("keep") : absl::StrCat(uid_, ":", gid_))
        .Field(request_.chmod ? absl::StrCat(*request_.chmod) : std::string("-"))
        .Field(request_.extract_archives ? "extract" : "copy");
    recorder_.End();
    for (const SourcePath& source : *sources) {
      recorder_.Field("source").Field(source.named).End();
      if (absl::Status copied = CopySource(root.get(), source); !copied.ok()) {
        return absl::Status(copied.code(), absl::StrCat("failed to copy files: ", copied.message()));
      }
    }
    return absl::OkStatus();
  }

  std::string Checksum() const { return recorder_.Digest(); }
  int64_t files() const { return files_; }

 private:
  struct Owner {
    uint32_t uid;
    uint32_t gid;
  };

  absl::Status CopySource(int root_fd, const SourcePath& source) {
    hard_links_.clear();
    if (S_ISDIR(source.st.st_mode)) {
      absl::StatusOr<UniqueFd> dir = OpenBeneath(root_fd, source.resolved, O_RDONLY | O_DIRECTORY);
      if (!dir.ok()) return dir.status();
      // docker's copyDirectory: the directory's contents go into the
      // destination, created 0755 (and chowned, unless it existed) with
      // its missing parents owned by root.
      absl::Status made = MakeDirectory(dest_rel_, Owner{0, 0},
                                        preserve_owners_ ? Owner{0, 0} : Owner{uid_, gid_});
      if (!made.ok()) return made;
      return CopyTree(dir->get(), "", dest_rel_);
    }
    size_t slash = source.resolved.rfind('/');
    std::string parent = slash == std::string::npos ? "." : source.resolved.substr(0, slash);
    std::string name = slash == std::string::npos ? source.resolved : source.resolved.substr(slash + 1);
    absl::StatusOr<UniqueFd> dir = OpenBeneath(root_fd, parent, O_RDONLY | O_DIRECTORY);
    if (!dir.ok()) return dir.status();
    if (request_.extract_archives && S_ISREG(source.st.st_mode)) {
      absl::StatusOr<bool> extracted = MaybeExtract(dir->get(), name, source);
      if (!extracted.ok() || *extracted) return extracted.status();
    }
    // performCopyForInfo: a file lands inside the destination when that
    // is a directory (by its trailing "/" or in the image), named after
    // the source as written, not after a symlink's target.
    std::string target = dest_rel_;
    if (dest_is_dir_name_ || Kind(dest_rel_) == DestinationKind::kDirectory) {
      target = Join(dest_rel_, BaseName(source.named));
    }
    // copyFile: missing parents take the --chown owner (root without it).
    Owner parents = preserve_owners_ ? Owner{0, 0} : Owner{uid_, gid_};
    if (absl::Status made = MakeParents(target, parents); !made.ok()) return made;
    return CopyEntry(dir->get(), name, source.st, "", target);
  }

  DestinationKind Kind(const std::string& rel) const {
    if (rel.empty() || created_.count(rel) > 0) return DestinationKind::kDirectory;
    if (!request_.destination_kind) return DestinationKind::kMissing;
    return request_.destination_kind("/" + rel);
  }

  absl::Status MakeParents(const std::string& rel, Owner owner) {
    std::string parent = DirName(rel);
    if (parent.empty()) return absl::OkStatus();
    std::string prefix;
    for (absl::string_view part : absl::StrSplit(parent, '/')) {
      prefix = Join(prefix, std::string(part));
      DestinationKind kind = Kind(prefix);
      if (kind == DestinationKind::kDirectory) continue;
      if (kind == DestinationKind::kOther) {
        return absl::FailedPreconditionError(absl::StrCat("mkdir /", prefix, ": not a directory"));
      }
      if (absl::Status written = WriteCreatedDirectory(prefix, owner); !written.ok()) return written;
    }
    return absl::OkStatus();
  }

  // The directory rel and its missing parents; rel itself only when
  // missing, so that an existing one keeps its owner and mode.
  absl::Status MakeDirectory(const std::string& rel, Owner parents, Owner self) {
    DestinationKind kind = Kind(rel);
    if (kind == DestinationKind::kDirectory) return absl::OkStatus();
    if (kind == DestinationKind::kOther) {
      return absl::FailedPreconditionError(absl::StrCat("mkdir /", rel, ": not a directory"));
    }
    if (absl::Status made = MakeParents(rel, parents); !made.ok()) return made;
    return WriteCreatedDirectory(rel, self);
  }

  absl::Status WriteCreatedDirectory(const std::string& rel, Owner owner) {
    created_.insert(rel);
    if (out_ == nullptr) return absl::OkStatus();
    ArchiveEntry entry(archive_entry_new());
    archive_entry_set_pathname(entry.get(), rel.c_str());
    archive_entry_set_filetype(entry.get(), AE_IFDIR);
    archive_entry_set_perm(entry.get(), 0755);
    archive_entry_set_uid(entry.get(), owner.uid);
    archive_entry_set_gid(entry.get(), owner.gid);
    archive_entry_set_mtime(entry.get(), ::time(nullptr), 0);
    return out_->WriteHeader(entry.get());
  }

  // The contents of the directory dir_fd (named `rel` within the source)
  // as `out_name/...`, sorted, parents first, symlinks as symlinks.
  absl::Status CopyTree(int dir_fd, const std::string& rel, const std::string& out_name) {
    int copy = ::fcntl(dir_fd, F_DUPFD_CLOEXEC, 0);
    if (copy < 0) return absl::ErrnoToStatus(errno, "dup");
    DIR* dir = ::fdopendir(copy);
    if (dir == nullptr) {
      ::close(copy);
      return absl::ErrnoToStatus(errno, absl::StrCat("opendir ", rel));
    }
    std::vector<std::string> names;
    while (struct dirent* entry = ::readdir(dir)) {
      std::string name = entry->d_name;
      if (name != "." && name != "..") names.push_back(std::move(name));
    }
    ::closedir(dir);
    std::sort(names.begin(), names.end());
    for (const std::string& name : names) {
      struct stat st;
      std::string child_rel = Join(rel, name);
      if (::fstatat(dir_fd, name.c_str(), &st, AT_SYMLINK_NOFOLLOW) != 0) {
        return absl::ErrnoToStatus(errno, absl::StrCat("stat ", child_rel));
      }
      std::string child_out = Join(out_name, name);
      if (absl::Status copied = CopyEntry(dir_fd, name, st, child_rel, child_out); !copied.ok()) {
        return copied;
      }
      if (S_ISDIR(st.st_mode)) {
        UniqueFd child(::openat(dir_fd, name.c_str(), O_RDONLY | O_DIRECTORY | O_NOFOLLOW | O_CLOEXEC));
        if (!child.valid()) return absl::ErrnoToStatus(errno, absl::StrCat("open ", child_rel));
        if (absl::Status walked = CopyTree(child.get(), child_rel, child_out); !walked.ok()) return walked;
      }
    }
    return absl::OkStatus();
  }

  // One entry: `name` in dir_fd, `rel` within its source, written as
  // out_name.
  absl::Status CopyEntry(int dir_fd, const std::string& name, const struct stat& st,
                         const std::string& rel, const std::string& out_name) {
    // A tar cannot hold a socket; docker leaves them out too.
    if (S_ISSOCK(st.st_mode)) return absl::OkStatus();
    Owner owner = preserve_owners_ ? Owner{st.st_uid, st.st_gid} : Owner{uid_, gid_};
    uint32_t mode = request_.chmod ? (*request_.chmod & 07777) : (st.st_mode & 07777);
    if (S_ISLNK(st.st_mode)) mode = 0777;
    ArchiveEntry entry(archive_entry_new());
    archive_entry_set_pathname(entry.get(), out_name.c_str());
    archive_entry_set_perm(entry.get(), mode);
    archive_entry_set_uid(entry.get(), owner.uid);
    archive_entry_set_gid(entry.get(), owner.gid);
    archive_entry_set_mtime(entry.get(), st.st_mtim.tv_sec, 0);
    recorder_.Field(rel).Field(static_cast<int64_t>(mode)).Field(static_cast<int64_t>(st.st_mode & S_IFMT));
    if (preserve_owners_) recorder_.Field(absl::StrCat(owner.uid, ":", owner.gid));
    if (!S_ISDIR(st.st_mode)) ++files_;

    if (S_ISREG(st.st_mode) && st.st_nlink > 1) {
      auto key = std::make_pair(st.st_dev, st.st_ino);
      if (auto first = hard_links_.find(key); first != hard_links_.end()) {
        recorder_.Field("hardlink").Field(first->second.first);
        recorder_.End();
        if (out_ == nullptr) return absl::OkStatus();
        archive_entry_set_filetype(entry.get(), AE_IFREG);
        archive_entry_set_hardlink(entry.get(), first->second.second.c_str());
        archive_entry_set_size(entry.get(), 0);
        return out_->WriteHeader(entry.get());
      }
      hard_links_[key] = {rel, out_name};
    }

    if (S_ISREG(st.st_mode)) return CopyFileData(dir_fd, name, st, rel, entry.get());
    if (S_ISDIR(st.st_mode)) {
      archive_entry_set_filetype(entry.get(), AE_IFDIR);
      created_.insert(out_name);
    } else if (S_ISLNK(st.st_mode)) {
      std::vector<char> target(PATH_MAX + 1);
      ssize_t length = ::readlinkat(dir_fd, name.c_str(), target.data(), target.size() - 1);
      if (length < 0) return absl::ErrnoToStatus(errno, absl::StrCat("readlink ", rel));
      std::string link(target.data(), static_cast<size_t>(length));
      archive_entry_set_filetype(entry.get(), AE_IFLNK);
      archive_entry_set_symlink(entry.get(), link.c_str());
      recorder_.Field(link);
    } else {
      archive_entry_set_filetype(entry.get(), S_ISFIFO(st.st_mode)  ? AE_IFIFO
                                              : S_ISCHR(st.st_mode) ? AE_IFCHR
                                                                    : AE_IFBLK);
      archive_entry_set_rdevmajor(entry.get(), major(st.st_rdev));
      archive_entry_set_rdevminor(entry.get(), minor(st.st_rdev));
      recorder_.Field(static_cast<int64_t>(st.st_rdev));
    }
    recorder_.End();
    if (out_ == nullptr) return absl::OkStatus();
    return out_->WriteHeader(entry.get());
  }

  absl::Status CopyFileData(int dir_fd, const std::string& name, const struct stat& st,
                            const std::string& rel, archive_entry* entry) {
    UniqueFd file(::openat(dir_fd, name.c_str(), O_RDONLY | O_NOFOLLOW | O_CLOEXEC));
    if (!file.valid()) return absl::ErrnoToStatus(errno, absl::StrCat("open ", rel));
    archive_entry_set_filetype(entry, AE_IFREG);
    archive_entry_set_size(entry, st.st_size);
    // File capabilities travel with the file, as in docker's tars.
    char capability[256];
    ssize_t capability_size = ::fgetxattr(file.get(), "security.capability", capability, sizeof capability);
    if (capability_size > 0) {
      archive_entry_xattr_add_entry(entry, "security.capability", capability,
                                    static_cast<size_t>(capability_size));
    }
    if (out_ != nullptr) {
      if (absl::Status written = out_->WriteHeader(entry); !written.ok()) return written;
    }
    Sha256 content;
    std::vector<char> buffer(kBufferSize);
    int64_t total = 0;
    for (;;) {
      ssize_t n = ::read(file.get(), buffer.data(), buffer.size());
      if (n < 0) {
        if (errno == EINTR) continue;
        return absl::ErrnoToStatus(errno, absl::StrCat("read ", rel));
      }
      if (n == 0) break;
      total += n;
      if (total > st.st_size) break;
      content.Update(buffer.data(), static_cast<size_t>(n));
      if (out_ != nullptr) {
        if (absl::Status written = out_->WriteData(buffer.data(), static_cast<size_t>(n)); !written.ok()) {
          return written;
        }
      }
    }
    if (total != st.st_size) {
      return absl::AbortedError(absl::StrCat(rel.empty() ? name : rel, ": file changed while copying"));
    }
    recorder_.Field(st.st_size).Field(content.Digest());
    if (capability_size > 0) {
      recorder_.Field(absl::string_view(capability, static_cast<size_t>(capability_size)));
    }
    recorder_.End();
    return absl::OkStatus();
  }

  // ADD: a file that is a tar (compressed or not) is unpacked at the
  // destination. Returns false, having written nothing, for other files.
  absl::StatusOr<bool> MaybeExtract(int dir_fd, const std::string& name, const SourcePath& source) {
    UniqueFd file(::openat(dir_fd, name.c_str(), O_RDONLY | O_NOFOLLOW | O_CLOEXEC));
    if (!file.valid()) return absl::ErrnoToStatus(errno, absl::StrCat("open ", source.named));
    ArchiveReader in = NewTarReader();
    archive_entry* entry = nullptr;
    // docker's IsArchivePath: a first tar header makes an archive.
    if (archive_read_open_fd(in.get(), file.get(), kBufferSize) != ARCHIVE_OK) return false;
    if (int rc = archive_read_next_header(in.get(), &entry); rc != ARCHIVE_OK && rc != ARCHIVE_WARN) {
      return false;
    }
    // The cache sees the archive as the file it is.
    PaxWriter* out = std::exchange(out_, nullptr);
    absl::Status hashed = CopyEntry(dir_fd, name, source.st, "", "");
    out_ = out;
    --files_;
    if (!hashed.ok()) return hashed;
    if (out_ == nullptr) return true;
    // Untar: the destination is a directory whatever its spelling, made
    // with its parents 0755 root:root.
    if (absl::Status made = MakeDirectory(dest_rel_, Owner{0, 0}, Owner{0, 0}); !made.ok()) return made;
    std::vector<char> buffer(kBufferSize);
    for (;;) {
      if (absl::Status written = ExtractEntry(in.get(), entry, source.named, &buffer); !written.ok()) {
        return written;
      }
      int rc = archive_read_next_header(in.get(), &entry);
      if (rc == ARCHIVE_EOF) break;
      if (rc < ARCHIVE_WARN) return ArchiveError(in.get(), absl::StrCat("read ", source.named));
    }
    return true;
  }

  // What go-archive's Unpack refuses, it refuses too: names and hard link
  // targets outside the destination, relative symlinks that climb out.
  absl::Status ExtractEntry(struct archive* in, archive_entry* entry, const std::string& archive_name,
                            std::vector<char>* buffer) {
    const char* raw = archive_entry_pathname(entry);
    std::string name = ArchiveRelative(raw);
    if (name == ".") return absl::OkStatus();
    std::string dest_shown = "/" + dest_rel_;
    if (LeavesItsRoot(name)) {
      return absl::PermissionDeniedError(
          absl::StrCat(archive_name, ": \"", raw, "\" is outside of \"", dest_shown, "\""));
    }
    std::string out_name = Join(dest_rel_, name);
    if (absl::Status made = MakeParents(out_name, Owner{0, 0}); !made.ok()) return made;
    if (const char* link = archive_entry_hardlink(entry); link != nullptr) {
      std::string target = ArchiveRelative(link);
      if (LeavesItsRoot(target)) {
        return absl::PermissionDeniedError(
            absl::StrCat(archive_name, ": invalid hardlink \"", raw, "\" -> \"", link, "\""));
      }
      archive_entry_set_hardlink(entry, Join(dest_rel_, target).c_str());
    } else if (archive_entry_filetype(entry) == AE_IFLNK) {
      std::string link = archive_entry_symlink(entry) ? archive_entry_symlink(entry) : "";
      if (link.empty() || link[0] != '/') {
        if (LeavesItsRoot(GoClean(Join(DirName(name), link)))) {
          return absl::PermissionDeniedError(
              absl::StrCat(archive_name, ": invalid symlink \"", raw, "\" -> \"", link, "\""));
        }
      }
    }
    if (archive_entry_filetype(entry) == AE_IFDIR) {
      created_.insert(out_name);
    } else {
      ++files_;
    }
    archive_entry_set_pathname(entry, out_name.c_str());
    archive_entry_unset_atime(entry);
    archive_entry_unset_ctime(entry);
    archive_entry_unset_birthtime(entry);
    archive_entry_set_mtime(entry, archive_entry_mtime(entry), 0);
    if (absl::Status written = out_->WriteHeader(entry); !written.ok()) return written;
    for (;;) {
      la_ssize_t n = archive_read_data(in, buffer->data(), buffer->size());
      if (n == 0) return absl::OkStatus();
      if (n < 0) return ArchiveError(in, absl::StrCat("read ", archive_name, ": ", raw));
      if (absl::Status written = out_->WriteData(buffer->data(), static_cast<size_t>(n)); !written.ok()) {
        return written;
      }
    }
  }

  const CopyRequest& request_;
  PaxWriter* out_;
  bool preserve_owners_ = false;
  uint32_t uid_ = 0;
  uint32_t gid_ = 0;
  std::string dest_rel_;
  bool dest_is_dir_name_ = false;
  // Directories this tar has made or copied: they exist from then on.
  std::set<std::string> created_;
  // Per source (docker tars each source apart): first (rel, out name) of
  // each inode with more than one link.
  std::map<std::pair<dev_t, ino_t>, std::pair<std::string, std::string>> hard_links_;
  Recorder recorder_;
  int64_t files_ = 0;
};

}  // namespace

absl::StatusOr<CopyResult> WriteCopyTar(const CopyRequest& request, const archive::WriteChunk& write) {
  PaxWriter out(write);
  if (absl::Status opened = out.Open(); !opened.ok()) return opened;
  Copier copier(request, &out);
  if (absl::Status copied = copier.Run(); !copied.ok()) return copied;
  if (absl::Status closed = out.Close(); !closed.ok()) return closed;
  return CopyResult{copier.Checksum(), copier.files()};
}

absl::StatusOr<std::string> SourcesChecksum(const CopyRequest& request) {
  Copier copier(request, nullptr);
  if (absl::Status copied = copier.Run(); !copied.ok()) return copied;
  return copier.Checksum();
}

}  // namespace berth::buildcontext
