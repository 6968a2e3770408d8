#include "services/snapshots/apply.h"

#include <archive.h>
#include <archive_entry.h>
#include <dirent.h>
#include <fcntl.h>
#include <linux/openat2.h>
#include <sys/stat.h>
#include <sys/syscall.h>
#include <sys/sysmacros.h>
#include <sys/xattr.h>
#include <unistd.h>

#include <set>
#include <vector>

#include "absl/strings/match.h"
#include "absl/strings/str_cat.h"
#include "absl/strings/str_join.h"
#include "absl/strings/str_split.h"
#include "services/common/base/unique_fd.h"
#include "services/common/base/write_all.h"

namespace berth::snapshots {
namespace {

constexpr char kWhiteoutPrefix[] = ".wh.";
constexpr char kOpaqueMarker[] = ".wh..wh..opq";

// Normalises an entry name to a relative path; refuses absolute paths and
// "..": they are how a hostile layer reaches outside its root.
absl::StatusOr<std::string> CleanPath(const std::string& name) {
  if (!name.empty() && name[0] == '/') {
    return absl::InvalidArgumentError("absolute path");
  }
  std::vector<std::string> parts;
  for (absl::string_view part : absl::StrSplit(name, '/', absl::SkipEmpty())) {
    if (part == ".") continue;
    if (part == "..") return absl::InvalidArgumentError("path contains \"..\"");
    parts.emplace_back(part);
  }
  return absl::StrJoin(parts, "/");
}

int OpenBeneath(int root, const std::string& path, uint64_t flags) {
  open_how how{};
  how.flags = flags | O_CLOEXEC;
  how.resolve = RESOLVE_BENEATH | RESOLVE_NO_MAGICLINKS;
  int fd;
  do {
    fd = static_cast<int>(::syscall(SYS_openat2, root, path.empty() ? "." : path.c_str(), &how,
                                    sizeof(how)));
  } while (fd < 0 && errno == EAGAIN);
  return fd;
}

class Applier {
 public:
  Applier(int root, const ApplyOptions& options) : root_(root), options_(options) {}

  absl::Status Apply(archive* reader);
  int64_t entries() const { return entries_; }

 private:
  absl::Status ApplyEntry(archive* reader, archive_entry* entry, const std::string& path);
  // The directory that will hold path's last component, created (0755) if
  // missing, resolved beneath the root.
  absl::StatusOr<UniqueFd> ParentDir(const std::string& path);
  absl::Status RemoveAt(int dir, const std::string& name);
  absl::Status Whiteout(int dir, const std::string& parent, const std::string& name);
  absl::Status Opaque(int dir, const std::string& parent);
  absl::Status WriteData(archive* reader, int fd);
  absl::Status SetMetadata(int dir, const std::string& name, archive_entry* entry, mode_t type);

  int root_;
  const ApplyOptions& options_;
  int64_t entries_ = 0;
  int64_t bytes_ = 0;
  // What this layer created: an opaque directory hides only lower layers.
  std::set<std::string> created_;
  struct DirTimes {
    std::string path;
    timespec times[2];
  };
  std::vector<DirTimes> dir_times_;
};

absl::StatusOr<UniqueFd> Applier::ParentDir(const std::string& path) {
  size_t slash = path.rfind('/');
  std::string parent = slash == std::string::npos ? "" : path.substr(0, slash);
  UniqueFd fd(OpenBeneath(root_, parent, O_PATH | O_DIRECTORY));
  if (fd.valid()) return fd;
  if (errno == EXDEV || errno == ELOOP) {
    return absl::PermissionDeniedError(
        absl::StrCat("\"", parent, "\" leads outside the layer root through a symlink"));
  }
  if (errno != ENOENT) {
    return absl::ErrnoToStatus(errno, absl::StrCat("open \"", parent, "\""));
  }
  // Create missing parents one component at a time, each beneath the root.
  UniqueFd dir(OpenBeneath(root_, "", O_PATH | O_DIRECTORY));
  std::string walked;
  for (absl::string_view part : absl::StrSplit(parent, '/', absl::SkipEmpty())) {
    walked = walked.empty() ? std::string(part) : absl::StrCat(walked, "/", part);
    if (::mkdirat(dir.get(), std::string(part).c_str(), 0755) == 0) {
      created_.insert(walked);
    } else if (errno != EEXIST) {
      return absl::ErrnoToStatus(errno, absl::StrCat("mkdir \"", walked, "\""));
    }
    UniqueFd next(OpenBeneath(root_, walked, O_PATH | O_DIRECTORY));
    if (!next.valid()) {
      if (errno == EXDEV || errno == ELOOP) {
        return absl::PermissionDeniedError(
            absl::StrCat("\"", walked, "\" leads outside the layer root through a symlink"));
      }
      return absl::ErrnoToStatus(errno, absl::StrCat("open \"", walked, "\""));
    }
    dir = std::move(next);
  }
  return dir;
}

absl::Status Applier::RemoveAt(int dir, const std::string& name) {
  struct stat st;
  if (::fstatat(dir, name.c_str(), &st, AT_SYMLINK_NOFOLLOW) != 0) {
    return errno == ENOENT ? absl::OkStatus() : absl::ErrnoToStatus(errno, "stat " + name);
  }
  if (!S_ISDIR(st.st_mode)) {
    if (::unlinkat(dir, name.c_str(), 0) != 0) return absl::ErrnoToStatus(errno, "unlink " + name);
    return absl::OkStatus();
  }
  UniqueFd child(::openat(dir, name.c_str(), O_RDONLY | O_DIRECTORY | O_NOFOLLOW | O_CLOEXEC));
  if (!child.valid()) return absl::ErrnoToStatus(errno, "open " + name);
  DIR* listing = ::fdopendir(::dup(child.get()));
  if (listing == nullptr) return absl::ErrnoToStatus(errno, "list " + name);
  std::vector<std::string> names;
  while (dirent* e = ::readdir(listing)) {
    std::string entry = e->d_name;
    if (entry != "." && entry != "..") names.push_back(entry);
  }
  ::closedir(listing);
  for (const std::string& entry : names) {
    if (absl::Status status = RemoveAt(child.get(), entry); !status.ok()) return status;
  }
  if (::unlinkat(dir, name.c_str(), AT_REMOVEDIR) != 0) {
    return absl::ErrnoToStatus(errno, "rmdir " + name);
  }
  return absl::OkStatus();
}

absl::Status Applier::Whiteout(int dir, const std::string& parent, const std::string& name) {
  if (name.empty() || name == "." || name == "..") {
    return absl::InvalidArgumentError("whiteout of an invalid name");
  }
  if (absl::Status status = RemoveAt(dir, name); !status.ok()) return status;
  if (options_.whiteouts == WhiteoutMode::kDelete) return absl::OkStatus();
  // overlayfs's whiteout: a character device 0/0 hides the name below.
  if (::mknodat(dir, name.c_str(), S_IFCHR | 0, makedev(0, 0)) != 0) {
    return absl::ErrnoToStatus(errno, "whiteout " + name);
  }
  created_.insert(parent.empty() ? name : parent + "/" + name);
  return absl::OkStatus();
}

absl::Status Applier::Opaque(int dir, const std::string& parent) {
  if (options_.whiteouts == WhiteoutMode::kOverlay) {
    // setxattr needs a real fd for the directory; reopen it beneath root.
    UniqueFd real(OpenBeneath(root_, parent, O_RDONLY | O_DIRECTORY));
    if (!real.valid()) return absl::ErrnoToStatus(errno, "open " + parent);
    // Both namespaces: the host's overlays read trusted.*, those of a
    // user-namespaced container (userxattr) read user.*.
    for (const char* name : {"trusted.overlay.opaque", "user.overlay.opaque"}) {
      if (::fsetxattr(real.get(), name, "y", 1, 0) != 0) {
        return absl::ErrnoToStatus(errno, "mark \"" + parent + "\" opaque");
      }
    }
    return absl::OkStatus();
  }
  // Native: the directory is a full copy; delete what lower layers put in it.
  UniqueFd real(OpenBeneath(root_, parent, O_RDONLY | O_DIRECTORY));
  if (!real.valid()) return absl::ErrnoToStatus(errno, "open " + parent);
  DIR* listing = ::fdopendir(::dup(real.get()));
  if (listing == nullptr) return absl::ErrnoToStatus(errno, "list " + parent);
  std::vector<std::string> names;
  while (dirent* e = ::readdir(listing)) {
    std::string entry = e->d_name;
    std::string full = parent.empty() ? entry : parent + "/" + entry;
    if (entry != "." && entry != ".." && created_.count(full) == 0) names.push_back(entry);
  }
  ::closedir(listing);
  (void)dir;
  for (const std::string& entry : names) {
    if (absl::Status status = RemoveAt(real.get(), entry); !status.ok()) return status;
  }
  return absl::OkStatus();
}

absl::Status Applier::WriteData(archive* reader, int fd) {
  const void* block;
  size_t size;
  la_int64_t offset;
  la_int64_t written = 0;
  while (true) {
    int rc = archive_read_data_block(reader, &block, &size, &offset);
    if (rc == ARCHIVE_EOF) break;
    if (rc != ARCHIVE_OK) return absl::DataLossError(archive_error_string(reader));
    bytes_ += static_cast<int64_t>(size);
    if (bytes_ > options_.max_bytes) {
      return absl::ResourceExhaustedError(absl::StrCat(
          "layer exceeds the limit of ", options_.max_bytes, " bytes (a decompression bomb?)"));
    }
    // Sparse files arrive as blocks at offsets.
    if (offset != written && ::lseek(fd, offset, SEEK_SET) < 0) {
      return absl::ErrnoToStatus(errno, "seek");
    }
    std::string_view data(static_cast<const char*>(block), size);
    if (absl::Status status = WriteAll(fd, data, "a file's data"); !status.ok()) return status;
    written = offset + static_cast<la_int64_t>(size);
  }
  // A sparse tail: the file's size may exceed the last block.
  return absl::OkStatus();
}

absl::Status Applier::SetMetadata(int dir, const std::string& name, archive_entry* entry,
                                  mode_t type) {
  if (::fchownat(dir, name.c_str(), static_cast<uid_t>(archive_entry_uid(entry)),
                 static_cast<gid_t>(archive_entry_gid(entry)), AT_SYMLINK_NOFOLLOW) != 0) {
    return absl::ErrnoToStatus(errno, "chown");
  }
  if (type != S_IFLNK) {
    // After chown, which clears set-id bits.
    if (::fchmodat(dir, name.c_str(), archive_entry_perm(entry) & 07777, 0) != 0) {
      return absl::ErrnoToStatus(errno, "chmod");
    }
    const char* xattr_name;
    const void* value;
    size_t size;
    archive_entry_xattr_reset(entry);
    while (archive_entry_xattr_next(entry, &xattr_name, &value, &size) == ARCHIVE_OK) {
      if (absl::StartsWith(xattr_name, "trusted.overlay.") ||
          absl::StartsWith(xattr_name, "user.overlay.")) {
        return absl::PermissionDeniedError(
            absl::StrCat("sets overlayfs's own attribute ", xattr_name));
      }
      std::string proc = absl::StrCat("/proc/self/fd/", dir, "/", name);
      if (::lsetxattr(proc.c_str(), xattr_name, value, size, 0) != 0 && errno != ENOTSUP) {
        return absl::ErrnoToStatus(errno, absl::StrCat("set xattr ", xattr_name));
      }
    }
  }
  timespec times[2];
  times[0].tv_sec = archive_entry_atime_is_set(entry) ? archive_entry_atime(entry)
                                                      : archive_entry_mtime(entry);
  times[0].tv_nsec = archive_entry_atime_is_set(entry) ? archive_entry_atime_nsec(entry) : 0;
  times[1].tv_sec = archive_entry_mtime(entry);
  times[1].tv_nsec = archive_entry_mtime_nsec(entry);
  if (type == S_IFDIR) {
    // Later entries change a directory's mtime; set it at the end.
    return absl::OkStatus();
  }
  ::utimensat(dir, name.c_str(), times, AT_SYMLINK_NOFOLLOW);
  return absl::OkStatus();
}

absl::Status Applier::ApplyEntry(archive* reader, archive_entry* entry, const std::string& path) {
  size_t slash = path.rfind('/');
  std::string parent = slash == std::string::npos ? "" : path.substr(0, slash);
  std::string name = slash == std::string::npos ? path : path.substr(slash + 1);
  auto dir = ParentDir(path);
  if (!dir.ok()) return dir.status();
  int dirfd = dir->get();

  if (options_.whiteouts == WhiteoutMode::kRefuse && absl::StartsWith(name, kWhiteoutPrefix)) {
    return absl::InvalidArgumentError("a file named .wh.* cannot be copied into an image");
  }
  if (name == kOpaqueMarker) return Opaque(dirfd, parent);
  if (absl::StartsWith(name, kWhiteoutPrefix)) {
    return Whiteout(dirfd, parent, name.substr(sizeof(kWhiteoutPrefix) - 1));
  }

  mode_t type = archive_entry_filetype(entry);
  const char* hardlink = archive_entry_hardlink(entry);
  if (hardlink != nullptr) {
    auto target = CleanPath(hardlink);
    if (!target.ok()) {
      return absl::InvalidArgumentError(
          absl::StrCat("hard link to \"", hardlink, "\": ", target.status().message()));
    }
    size_t target_slash = target->rfind('/');
    std::string target_parent = target_slash == std::string::npos ? "" : target->substr(0, target_slash);
    std::string target_name =
        target_slash == std::string::npos ? *target : target->substr(target_slash + 1);
    UniqueFd target_dir(OpenBeneath(root_, target_parent, O_PATH | O_DIRECTORY));
    if (!target_dir.valid()) {
      if (errno == EXDEV || errno == ELOOP) {
        return absl::PermissionDeniedError(
            absl::StrCat("hard link to \"", hardlink, "\" leads outside the layer root"));
      }
      return absl::ErrnoToStatus(errno, absl::StrCat("hard link to \"", hardlink, "\""));
    }
    if (absl::Status status = RemoveAt(dirfd, name); !status.ok()) return status;
    // Without AT_SYMLINK_FOLLOW a link to a symlink links the symlink itself.
    if (::linkat(target_dir.get(), target_name.c_str(), dirfd, name.c_str(), 0) != 0) {
      return absl::ErrnoToStatus(errno, absl::StrCat("hard link to \"", hardlink, "\""));
    }
    created_.insert(path);
    return absl::OkStatus();
  }

  struct stat existing;
  bool exists = ::fstatat(dirfd, name.c_str(), &existing, AT_SYMLINK_NOFOLLOW) == 0;
  if (exists && !(type == S_IFDIR && S_ISDIR(existing.st_mode))) {
    if (absl::Status status = RemoveAt(dirfd, name); !status.ok()) return status;
  }
  if (type == S_IFDIR && exists && S_ISDIR(existing.st_mode) &&
      options_.keep_existing_directories) {
    return absl::OkStatus();
  }
  switch (type) {
    case S_IFDIR:
      if (!(exists && S_ISDIR(existing.st_mode)) && ::mkdirat(dirfd, name.c_str(), 0700) != 0) {
        return absl::ErrnoToStatus(errno, "mkdir");
      }
      break;
    case S_IFREG: {
      UniqueFd fd(::openat(dirfd, name.c_str(),
                           O_WRONLY | O_CREAT | O_EXCL | O_NOFOLLOW | O_CLOEXEC, 0600));
      if (!fd.valid()) return absl::ErrnoToStatus(errno, "create");
      if (absl::Status status = WriteData(reader, fd.get()); !status.ok()) return status;
      if (::ftruncate(fd.get(), archive_entry_size(entry)) != 0) {
        return absl::ErrnoToStatus(errno, "truncate");
      }
      break;
    }
    case S_IFLNK: {
      const char* target = archive_entry_symlink(entry);
      if (target == nullptr || ::symlinkat(target, dirfd, name.c_str()) != 0) {
        return absl::ErrnoToStatus(errno, "symlink");
      }
      break;
    }
    case S_IFCHR:
    case S_IFBLK:
      if (!options_.allow_devices) {
        return absl::PermissionDeniedError("device nodes are not allowed here");
      }
      [[fallthrough]];
    case S_IFIFO:
      if (::mknodat(dirfd, name.c_str(), type | 0600, archive_entry_rdev(entry)) != 0) {
        return absl::ErrnoToStatus(errno, "mknod");
      }
      break;
    default:
      return absl::InvalidArgumentError(absl::StrCat("unsupported entry type ", type));
  }
  created_.insert(path);
  if (absl::Status status = SetMetadata(dirfd, name, entry, type); !status.ok()) return status;
  if (type == S_IFDIR) {
    DirTimes times{path, {}};
    times.times[0].tv_sec = archive_entry_mtime(entry);
    times.times[0].tv_nsec = archive_entry_mtime_nsec(entry);
    times.times[1] = times.times[0];
    dir_times_.push_back(times);
  }
  return absl::OkStatus();
}

absl::Status Applier::Apply(archive* reader) {
  archive_entry* entry;
  while (true) {
    int rc = archive_read_next_header(reader, &entry);
    if (rc == ARCHIVE_EOF) break;
    if (rc != ARCHIVE_OK && rc != ARCHIVE_WARN) {
      return absl::DataLossError(absl::StrCat("reading the tar: ", archive_error_string(reader)));
    }
    const char* raw = archive_entry_pathname(entry);
    std::string name = raw ? raw : "";
    auto path = CleanPath(name);
    absl::Status status;
    if (++entries_ > options_.max_entries) {
      status = absl::ResourceExhaustedError(
          absl::StrCat("layer exceeds the limit of ", options_.max_entries, " entries"));
    } else if (!path.ok()) {
      status = path.status();
    } else if (!path->empty()) {
      status = ApplyEntry(reader, entry, *path);
    }
    if (!status.ok()) {
      return absl::Status(status.code(),
                          absl::StrCat("entry \"", name, "\": ", status.message()));
    }
  }
  // Directory times last, deepest first.
  for (auto it = dir_times_.rbegin(); it != dir_times_.rend(); ++it) {
    UniqueFd dir(OpenBeneath(root_, it->path, O_PATH | O_DIRECTORY));
    if (dir.valid()) ::utimensat(dir.get(), "", it->times, AT_EMPTY_PATH);
  }
  return absl::OkStatus();
}

struct ReadContext {
  LayerStream* stream = nullptr;
  std::vector<char> buffer = std::vector<char>(256 * 1024);
  absl::Status error;
};

la_ssize_t ReadCallback(archive* reader, void* data, const void** block) {
  auto* context = static_cast<ReadContext*>(data);
  auto n = context->stream->Read(context->buffer.data(), context->buffer.size());
  if (!n.ok()) {
    context->error = n.status();
    archive_set_error(reader, EIO, "%s", std::string(n.status().message()).c_str());
    return -1;
  }
  *block = context->buffer.data();
  return static_cast<la_ssize_t>(*n);
}

}  // namespace

absl::StatusOr<ApplyResult> ApplyLayer(ByteSource source, const std::string& root,
                                       const ApplyOptions& options) {
  std::string layer = options.layer_name.empty() ? "layer" : "layer " + options.layer_name;
  auto fail = [&layer](const absl::Status& status) {
    return absl::Status(status.code(), absl::StrCat("apply ", layer, ": ", status.message()));
  };
  UniqueFd root_fd(::open(root.c_str(), O_PATH | O_DIRECTORY | O_CLOEXEC));
  if (!root_fd.valid()) return fail(absl::ErrnoToStatus(errno, "open " + root));

  LayerStream stream(std::move(source));
  ReadContext context;
  context.stream = &stream;
  archive* reader = archive_read_new();
  // Only tar: compression is LayerStream's job, so the diff id is the hash
  // of exactly what the tar reader saw.
  archive_read_support_format_tar(reader);
  archive_read_support_format_gnutar(reader);
  Applier applier(root_fd.get(), options);
  absl::Status status;
  if (archive_read_open(reader, &context, nullptr, ReadCallback, nullptr) != ARCHIVE_OK) {
    status = context.error.ok()
                 ? absl::InvalidArgumentError(absl::StrCat("not a tar archive: ",
                                                           archive_error_string(reader)))
                 : context.error;
  } else {
    status = applier.Apply(reader);
    if (!status.ok() && !context.error.ok()) status = context.error;
  }
  archive_read_free(reader);
  if (status.ok()) status = stream.Drain();
  if (!status.ok()) return fail(status);

  ApplyResult result;
  result.digest = stream.Digest();
  result.diff_id = stream.DiffId();
  result.compressed_size = stream.compressed_size();
  result.uncompressed_size = stream.uncompressed_size();
  result.entries = applier.entries();
  if (!options.expected_digest.empty() && result.digest != options.expected_digest) {
    return fail(absl::DataLossError(absl::StrCat("digest mismatch: got ", result.digest)));
  }
  if (!options.expected_diff_id.empty() && result.diff_id != options.expected_diff_id) {
    return fail(absl::DataLossError(
        absl::StrCat("diff id mismatch: uncompressed content is ", result.diff_id, ", config says ",
                     options.expected_diff_id)));
  }
  return result;
}

}  // namespace berth::snapshots
