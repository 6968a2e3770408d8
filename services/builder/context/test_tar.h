#ifndef BERTH_SERVICES_BUILDER_CONTEXT_TEST_TAR_H_
#define BERTH_SERVICES_BUILDER_CONTEXT_TEST_TAR_H_

// Tests' side of tars: build one from a list of entries, read one back
// into a list, with libarchive.

#include <archive.h>
#include <archive_entry.h>
#include <stdlib.h>
#include <unistd.h>

#include <fstream>
#include <map>
#include <sstream>
#include <string>
#include <vector>

namespace berth::buildcontext::testing {

struct TarEntry {
  std::string name;
  char type = 'f';  // f file, d dir, l symlink, h hard link
  std::string data;  // file contents, or the link target
  unsigned mode = 0644;
  unsigned uid = 0;
  unsigned gid = 0;
  long mtime = 0;
};

// Extended attributes by entry name: (attribute name, value).
using TarXattrs = std::map<std::string, std::pair<std::string, std::string>>;

// filter: "" (plain), "gzip", "bzip2", "xz".
inline std::string MakeTar(const std::vector<TarEntry>& entries, const std::string& filter = "",
                           const TarXattrs& xattrs = {}) {
  struct archive* a = archive_write_new();
  archive_write_set_format_pax_restricted(a);
  if (filter == "gzip") archive_write_add_filter_gzip(a);
  if (filter == "bzip2") archive_write_add_filter_bzip2(a);
  if (filter == "xz") archive_write_add_filter_xz(a);
  std::vector<char> buffer(1 << 22);
  size_t used = 0;
  archive_write_open_memory(a, buffer.data(), buffer.size(), &used);
  for (const TarEntry& e : entries) {
    archive_entry* entry = archive_entry_new();
    archive_entry_set_pathname(entry, e.name.c_str());
    archive_entry_set_perm(entry, e.mode);
    archive_entry_set_uid(entry, e.uid);
    archive_entry_set_gid(entry, e.gid);
    archive_entry_set_mtime(entry, e.mtime, 0);
    if (auto xattr = xattrs.find(e.name); xattr != xattrs.end()) {
      archive_entry_xattr_add_entry(entry, xattr->second.first.c_str(), xattr->second.second.data(),
                                    xattr->second.second.size());
    }
    if (e.type == 'd') archive_entry_set_filetype(entry, AE_IFDIR);
    if (e.type == 'f') {
      archive_entry_set_filetype(entry, AE_IFREG);
      archive_entry_set_size(entry, e.data.size());
    }
    if (e.type == 'l') {
      archive_entry_set_filetype(entry, AE_IFLNK);
      archive_entry_set_symlink(entry, e.data.c_str());
    }
    if (e.type == 'h') {
      archive_entry_set_filetype(entry, AE_IFREG);
      archive_entry_set_hardlink(entry, e.data.c_str());
    }
    archive_write_header(a, entry);
    if (e.type == 'f') archive_write_data(a, e.data.data(), e.data.size());
    archive_entry_free(entry);
  }
  archive_write_close(a);
  archive_write_free(a);
  return std::string(buffer.data(), used);
}

// data as a compressed stream that is no tar (filter as for MakeTar).
inline std::string Compress(const std::string& data, const std::string& filter) {
  struct archive* a = archive_write_new();
  archive_write_set_format_raw(a);
  if (filter == "gzip") archive_write_add_filter_gzip(a);
  if (filter == "xz") archive_write_add_filter_xz(a);
  std::vector<char> buffer(1 << 20);
  size_t used = 0;
  archive_write_open_memory(a, buffer.data(), buffer.size(), &used);
  archive_entry* entry = archive_entry_new();
  archive_entry_set_pathname(entry, "data");
  archive_entry_set_filetype(entry, AE_IFREG);
  archive_entry_set_size(entry, data.size());
  archive_write_header(a, entry);
  archive_write_data(a, data.data(), data.size());
  archive_entry_free(entry);
  archive_write_close(a);
  archive_write_free(a);
  return std::string(buffer.data(), used);
}

inline std::vector<TarEntry> ReadTar(const std::string& tar) {
  std::vector<TarEntry> out;
  struct archive* a = archive_read_new();
  archive_read_support_format_tar(a);
  archive_read_open_memory(a, tar.data(), tar.size());
  archive_entry* entry = nullptr;
  while (archive_read_next_header(a, &entry) == ARCHIVE_OK) {
    TarEntry e;
    e.name = archive_entry_pathname(entry);
    while (e.name.size() > 1 && e.name.back() == '/') e.name.pop_back();
    e.mode = archive_entry_perm(entry);
    e.uid = static_cast<unsigned>(archive_entry_uid(entry));
    e.gid = static_cast<unsigned>(archive_entry_gid(entry));
    e.mtime = archive_entry_mtime(entry);
    if (archive_entry_hardlink(entry) != nullptr) {
      e.type = 'h';
      e.data = archive_entry_hardlink(entry);
    } else if (archive_entry_filetype(entry) == AE_IFDIR) {
      e.type = 'd';
    } else if (archive_entry_filetype(entry) == AE_IFLNK) {
      e.type = 'l';
      e.data = archive_entry_symlink(entry);
    } else {
      e.type = archive_entry_filetype(entry) == AE_IFREG ? 'f' : '?';
      std::vector<char> buffer(1 << 16);
      la_ssize_t n;
      while ((n = archive_read_data(a, buffer.data(), buffer.size())) > 0) e.data.append(buffer.data(), n);
    }
    const char* uname = archive_entry_uname(entry);
    const char* gname = archive_entry_gname(entry);
    if ((uname != nullptr && *uname != 0) || (gname != nullptr && *gname != 0)) e.type = 'N';
    out.push_back(e);
  }
  archive_read_free(a);
  return out;
}

inline std::string MakeTempDir() {
  char dir[] = "/tmp/buildctx_test.XXXXXX";
  return ::mkdtemp(dir);
}

inline void WriteFile(const std::string& path, const std::string& text) { std::ofstream(path) << text; }

inline std::string ReadFile(const std::string& path) {
  std::ifstream in(path);
  std::stringstream s;
  s << in.rdbuf();
  return s.str();
}

}  // namespace berth::buildcontext::testing

#endif  // BERTH_SERVICES_BUILDER_CONTEXT_TEST_TAR_H_
