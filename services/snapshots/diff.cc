#include "services/snapshots/diff.h"

#include <archive.h>
#include <archive_entry.h>
#include <fcntl.h>
#include <sys/stat.h>
#include <sys/xattr.h>
#include <unistd.h>
#include <zlib.h>
#include <zstd.h>

#include <algorithm>
#include <cstring>
#include <map>
#include <memory>

#include "absl/strings/match.h"
#include "absl/strings/str_cat.h"
#include "services/common/digest/sha256.h"
#include "services/snapshots/parallel_gzip.h"
#include "services/snapshots/tree_compare.h"

namespace berth::snapshots {
namespace {

// Compresses the tar stream, hashing it before (diff id) and after (digest).
class Compressor {
 public:
  Compressor(const std::string& kind, const DiffSink& sink) : kind_(kind), sink_(sink) {
    if (kind_ == "gzip") {
      gzip_ = std::make_unique<ParallelGzip>(
          [this](const char* data, size_t size) { return Emit(data, size); });
    } else if (kind_ == "zstd") {
      zstd_ = ZSTD_createCStream();
      ZSTD_initCStream(zstd_, 3);
    }
  }
  ~Compressor() {
    if (zstd_ != nullptr) ZSTD_freeCStream(zstd_);
  }

  bool Write(const char* data, size_t size) { return Feed(data, size, false); }
  bool Finish() { return Feed(nullptr, 0, true); }

  Sha256 uncompressed;
  Sha256 compressed;
  int64_t compressed_size = 0;

 private:
  bool Emit(const char* data, size_t size) {
    compressed.Update(data, size);
    compressed_size += static_cast<int64_t>(size);
    return size == 0 || sink_(data, size);
  }

  bool Feed(const char* data, size_t size, bool finish) {
    if (size > 0) uncompressed.Update(data, size);
    char out[1 << 16];
    if (gzip_) return finish ? gzip_->Finish() : gzip_->Write(data, size);
    if (kind_ == "zstd") {
      ZSTD_inBuffer in{data, size, 0};
      size_t remaining;
      do {
        ZSTD_outBuffer output{out, sizeof(out), 0};
        remaining = finish ? ZSTD_endStream(zstd_, &output) : ZSTD_compressStream(zstd_, &output, &in);
        if (ZSTD_isError(remaining)) return false;
        if (!Emit(out, output.pos)) return false;
      } while (finish ? remaining != 0 : in.pos < in.size);
      return true;
    }
    return size == 0 || Emit(data, size);
  }

  std::string kind_;
  const DiffSink& sink_;
  std::unique_ptr<ParallelGzip> gzip_;
  ZSTD_CStream* zstd_ = nullptr;
};

la_ssize_t WriteCallback(archive*, void* data, const void* buffer, size_t length) {
  return static_cast<Compressor*>(data)->Write(static_cast<const char*>(buffer), length)
             ? static_cast<la_ssize_t>(length)
             : -1;
}

class Walker {
 public:
  // parent: empty for an overlay upper directory (it holds only changes);
  // for a native snapshot, its parent's full copy to compare with.
  Walker(archive* tar, const std::string& root, const DiffOptions& options,
         const std::string& parent = "")
      : tar_(tar), root_(root), parent_(parent), options_(options) {}

  // in_parent: the directory exists in the parent too (native only).
  absl::Status Walk(const std::string& relative, bool in_parent = false);

 private:
  bool Excluded(const std::string& relative) const {
    for (const std::string& path : options_.exclude) {
      std::string clean = absl::StartsWith(path, "/") ? path.substr(1) : path;
      if (relative == clean || absl::StartsWith(relative, clean + "/")) return true;
    }
    return false;
  }
  absl::Status Entry(const std::string& relative, const struct stat& st);
  absl::Status Whiteout(const std::string& relative);
  absl::Status Header(archive_entry* entry, const std::string& what);

  archive* tar_;
  std::string root_;
  std::string parent_;
  const DiffOptions& options_;
  std::map<std::pair<dev_t, ino_t>, std::string> links_;
};

absl::Status Walker::Header(archive_entry* entry, const std::string& what) {
  int rc = archive_write_header(tar_, entry);
  archive_entry_free(entry);
  if (rc != ARCHIVE_OK) return absl::InternalError(absl::StrCat("diff: ", what, ": ", archive_error_string(tar_)));
  return absl::OkStatus();
}

absl::Status Walker::Entry(const std::string& relative, const struct stat& st) {
  std::string path = root_ + "/" + relative;
  size_t slash = relative.rfind('/');
  std::string dir = slash == std::string::npos ? "" : relative.substr(0, slash + 1);
  std::string name = slash == std::string::npos ? relative : relative.substr(slash + 1);
  archive_entry* entry = archive_entry_new();
  archive_entry_set_uid(entry, st.st_uid);
  archive_entry_set_gid(entry, st.st_gid);
  archive_entry_set_mtime(entry, st.st_mtim.tv_sec, st.st_mtim.tv_nsec);
  if (IsWhiteout(st)) {
    // overlayfs's whiteout: the OCI form is an empty ".wh.NAME" file.
    archive_entry_set_pathname(entry, (dir + ".wh." + name).c_str());
    archive_entry_set_filetype(entry, AE_IFREG);
    archive_entry_set_perm(entry, 0600);
    archive_entry_set_size(entry, 0);
    return Header(entry, relative);
  }
  archive_entry_set_pathname(entry, (S_ISDIR(st.st_mode) ? relative + "/" : relative).c_str());
  archive_entry_set_perm(entry, st.st_mode & 07777);
  if (!S_ISDIR(st.st_mode) && st.st_nlink > 1) {
    auto [it, inserted] = links_.try_emplace({st.st_dev, st.st_ino}, relative);
    if (!inserted) {
      archive_entry_set_filetype(entry, AE_IFREG);
      archive_entry_set_hardlink(entry, it->second.c_str());
      archive_entry_set_size(entry, 0);
      return Header(entry, relative);
    }
  }
  // Extended attributes, but never overlay's own.
  char names[4096];
  ssize_t list = ::llistxattr(path.c_str(), names, sizeof(names));
  for (ssize_t pos = 0; pos < list;) {
    std::string xattr(names + pos);
    pos += static_cast<ssize_t>(xattr.size()) + 1;
    // The overlay's own marks (either namespace) are not the file's.
    if (absl::StartsWith(xattr, "trusted.overlay.") || absl::StartsWith(xattr, "user.overlay.")) continue;
    char value[4096];
    ssize_t length = ::lgetxattr(path.c_str(), xattr.c_str(), value, sizeof(value));
    if (length >= 0) archive_entry_xattr_add_entry(entry, xattr.c_str(), value, static_cast<size_t>(length));
  }
  if (S_ISREG(st.st_mode)) {
    archive_entry_set_filetype(entry, AE_IFREG);
    archive_entry_set_size(entry, st.st_size);
    if (absl::Status status = Header(entry, relative); !status.ok()) return status;
    int fd = ::open(path.c_str(), O_RDONLY | O_NOFOLLOW | O_CLOEXEC);
    if (fd < 0) return absl::ErrnoToStatus(errno, "diff: open " + relative);
    char buffer[1 << 16];
    ssize_t n;
    while ((n = ::read(fd, buffer, sizeof(buffer))) > 0) {
      if (archive_write_data(tar_, buffer, static_cast<size_t>(n)) < 0) {
        ::close(fd);
        return absl::InternalError("diff: write " + relative);
      }
    }
    ::close(fd);
    return absl::OkStatus();
  }
  if (S_ISLNK(st.st_mode)) {
    std::string target(static_cast<size_t>(st.st_size) + 1, '\0');
    ssize_t n = ::readlink(path.c_str(), target.data(), target.size());
    if (n < 0) return absl::ErrnoToStatus(errno, "diff: readlink " + relative);
    target.resize(static_cast<size_t>(n));
    archive_entry_set_filetype(entry, AE_IFLNK);
    archive_entry_set_symlink(entry, target.c_str());
  } else if (S_ISDIR(st.st_mode)) {
    archive_entry_set_filetype(entry, AE_IFDIR);
  } else if (S_ISCHR(st.st_mode) || S_ISBLK(st.st_mode)) {
    archive_entry_set_filetype(entry, S_ISCHR(st.st_mode) ? AE_IFCHR : AE_IFBLK);
    archive_entry_set_rdev(entry, st.st_rdev);
  } else if (S_ISFIFO(st.st_mode)) {
    archive_entry_set_filetype(entry, AE_IFIFO);
  } else {
    archive_entry_free(entry);
    return absl::OkStatus();  // Sockets do not belong in a layer.
  }
  archive_entry_set_size(entry, 0);
  absl::Status status = Header(entry, relative);
  if (!status.ok() || !S_ISDIR(st.st_mode)) return status;
  if (IsOpaque(path)) {
    archive_entry* marker = archive_entry_new();
    archive_entry_set_pathname(marker, (relative + "/.wh..wh..opq").c_str());
    archive_entry_set_filetype(marker, AE_IFREG);
    archive_entry_set_perm(marker, 0600);
    archive_entry_set_size(marker, 0);
    archive_entry_set_mtime(marker, st.st_mtim.tv_sec, 0);
    return Header(marker, relative);
  }
  return absl::OkStatus();
}

absl::Status Walker::Whiteout(const std::string& relative) {
  size_t slash = relative.rfind('/');
  std::string dir = slash == std::string::npos ? "" : relative.substr(0, slash + 1);
  std::string name = slash == std::string::npos ? relative : relative.substr(slash + 1);
  archive_entry* entry = archive_entry_new();
  archive_entry_set_pathname(entry, (dir + ".wh." + name).c_str());
  archive_entry_set_filetype(entry, AE_IFREG);
  archive_entry_set_perm(entry, 0600);
  archive_entry_set_size(entry, 0);
  return Header(entry, relative);
}

absl::Status Walker::Walk(const std::string& relative, bool in_parent) {
  std::string path = relative.empty() ? root_ : root_ + "/" + relative;
  struct stat self;
  if (::lstat(path.c_str(), &self) != 0) return absl::ErrnoToStatus(errno, "diff: open " + path);
  std::vector<std::string> names = SortedNames(path);
  std::string parent_dir = relative.empty() ? parent_ : parent_ + "/" + relative;
  if (in_parent) {
    // What the parent has and this snapshot no longer does: whiteouts.
    for (const std::string& name : SortedNames(parent_dir)) {
      std::string child = relative.empty() ? name : relative + "/" + name;
      if (Excluded(child) || std::binary_search(names.begin(), names.end(), name)) continue;
      if (absl::Status status = Whiteout(child); !status.ok()) return status;
    }
  }
  for (const std::string& name : names) {
    std::string child = relative.empty() ? name : relative + "/" + name;
    if (Excluded(child)) continue;
    struct stat st;
    if (::lstat((root_ + "/" + child).c_str(), &st) != 0) continue;
    bool child_in_parent = false;
    if (in_parent) {
      struct stat before;
      std::string before_path = parent_dir + "/" + name;
      if (::lstat(before_path.c_str(), &before) == 0) {
        child_in_parent = S_ISDIR(st.st_mode) && S_ISDIR(before.st_mode);
        if (!Unchanged(root_ + "/" + child, st, before_path, before)) {
          // Another type than before: the old one goes first (a whiteout
          // applies to the layers below only, so both may be in one layer).
          if ((st.st_mode & S_IFMT) != (before.st_mode & S_IFMT)) {
            if (absl::Status status = Whiteout(child); !status.ok()) return status;
          }
          if (absl::Status status = Entry(child, st); !status.ok()) return status;
        }
      } else if (absl::Status status = Entry(child, st); !status.ok()) {
        return status;
      }
    } else if (absl::Status status = Entry(child, st); !status.ok()) {
      return status;
    }
    if (S_ISDIR(st.st_mode)) {
      if (absl::Status status = Walk(child, child_in_parent); !status.ok()) return status;
    }
  }
  return absl::OkStatus();
}

absl::StatusOr<DiffResult> WriteDiff(const std::string& root, const std::string& parent,
                                     const DiffOptions& options, const DiffSink& sink) {
  if (options.compression != "gzip" && options.compression != "zstd" &&
      options.compression != "none") {
    return absl::InvalidArgumentError(
        absl::StrCat("diff: unknown compression \"", options.compression, "\""));
  }
  Compressor compressor(options.compression, sink);
  archive* tar = archive_write_new();
  archive_write_set_format_pax_restricted(tar);
  archive_write_set_bytes_per_block(tar, 10240);
  archive_write_open(tar, &compressor, nullptr, WriteCallback, nullptr);
  Walker walker(tar, root, options, parent);
  absl::Status status = walker.Walk("", !parent.empty());
  if (archive_write_close(tar) != ARCHIVE_OK && status.ok()) {
    status = absl::InternalError(absl::StrCat("diff: ", archive_error_string(tar)));
  }
  archive_write_free(tar);
  if (status.ok() && !compressor.Finish()) status = absl::InternalError("diff: compression failed");
  if (!status.ok()) return status;
  DiffResult result;
  result.media_type = options.compression == "gzip"   ? "application/vnd.oci.image.layer.v1.tar+gzip"
                      : options.compression == "zstd" ? "application/vnd.oci.image.layer.v1.tar+zstd"
                                                      : "application/vnd.oci.image.layer.v1.tar";
  result.digest = compressor.compressed.Digest();
  result.size = compressor.compressed_size;
  result.diff_id = compressor.uncompressed.Digest();
  return result;
}

}  // namespace

absl::StatusOr<DiffResult> WriteOverlayDiff(const std::string& upper, const DiffOptions& options,
                                            const DiffSink& sink) {
  return WriteDiff(upper, "", options, sink);
}

absl::StatusOr<DiffResult> WriteNativeDiff(const std::string& dir, const std::string& parent,
                                           const DiffOptions& options, const DiffSink& sink) {
  return WriteDiff(dir, parent, options, sink);
}

}  // namespace berth::snapshots
