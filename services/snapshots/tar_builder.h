#ifndef BERTH_SERVICES_SNAPSHOTS_TAR_BUILDER_H_
#define BERTH_SERVICES_SNAPSHOTS_TAR_BUILDER_H_

// Test helper: builds layer tarballs the way image tools do (pax), with
// libarchive, optionally gzip- or zstd-compressed.

#include <archive.h>
#include <archive_entry.h>
#include <sys/types.h>

#include <string>
#include <utility>
#include <vector>

namespace berth::snapshots {

class TarBuilder {
 public:
  TarBuilder& File(const std::string& path, const std::string& content, int mode = 0644,
                   int uid = 0, int gid = 0) {
    Entry e{path, AE_IFREG, mode, uid, gid, content, "", "", 0, {}};
    entries_.push_back(e);
    return *this;
  }
  TarBuilder& Dir(const std::string& path, int mode = 0755) {
    entries_.push_back({path, AE_IFDIR, mode, 0, 0, "", "", "", 0, {}});
    return *this;
  }
  TarBuilder& Symlink(const std::string& path, const std::string& target) {
    entries_.push_back({path, AE_IFLNK, 0777, 0, 0, "", target, "", 0, {}});
    return *this;
  }
  TarBuilder& Hardlink(const std::string& path, const std::string& target) {
    entries_.push_back({path, AE_IFREG, 0644, 0, 0, "", "", target, 0, {}});
    return *this;
  }
  TarBuilder& Device(const std::string& path, unsigned type, dev_t dev) {
    entries_.push_back({path, type, 0600, 0, 0, "", "", "", dev, {}});
    return *this;
  }
  TarBuilder& Xattr(const std::string& name, const std::string& value) {
    entries_.back().xattrs.emplace_back(name, value);
    return *this;
  }

  std::string Build(const std::string& compression = "") const {
    archive* writer = archive_write_new();
    archive_write_set_format_pax_restricted(writer);
    if (compression == "gzip") archive_write_add_filter_gzip(writer);
    if (compression == "zstd") archive_write_add_filter_zstd(writer);
    std::vector<char> buffer(64 << 20);
    size_t used = 0;
    archive_write_open_memory(writer, buffer.data(), buffer.size(), &used);
    for (const Entry& e : entries_) {
      archive_entry* entry = archive_entry_new();
      archive_entry_set_pathname(entry, e.path.c_str());
      archive_entry_set_filetype(entry, e.type);
      archive_entry_set_perm(entry, e.mode);
      archive_entry_set_uid(entry, e.uid);
      archive_entry_set_gid(entry, e.gid);
      archive_entry_set_mtime(entry, 1600000000, 0);
      if (!e.symlink.empty()) archive_entry_set_symlink(entry, e.symlink.c_str());
      if (!e.hardlink.empty()) archive_entry_set_hardlink(entry, e.hardlink.c_str());
      if (e.type == AE_IFCHR || e.type == AE_IFBLK) archive_entry_set_rdev(entry, e.dev);
      for (const auto& [name, value] : e.xattrs) {
        archive_entry_xattr_add_entry(entry, name.c_str(), value.data(), value.size());
      }
      archive_entry_set_size(entry, e.hardlink.empty() ? e.content.size() : 0);
      archive_write_header(writer, entry);
      if (!e.content.empty()) archive_write_data(writer, e.content.data(), e.content.size());
      archive_entry_free(entry);
    }
    archive_write_close(writer);
    archive_write_free(writer);
    return std::string(buffer.data(), used);
  }

 private:
  struct Entry {
    std::string path;
    unsigned type;
    int mode, uid, gid;
    std::string content, symlink, hardlink;
    dev_t dev;
    std::vector<std::pair<std::string, std::string>> xattrs;
  };
  std::vector<Entry> entries_;
};

}  // namespace berth::snapshots

#endif  // BERTH_SERVICES_SNAPSHOTS_TAR_BUILDER_H_
