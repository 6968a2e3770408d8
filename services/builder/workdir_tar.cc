#include "services/builder/workdir_tar.h"

#include <archive.h>
#include <archive_entry.h>

#include <ctime>
#include <memory>

#include "absl/strings/str_cat.h"
#include "absl/strings/strip.h"

namespace berth::builder {
namespace {

struct WriterState {
  const archive::WriteChunk* write;
};

la_ssize_t WriteCallback(struct archive*, void* data, const void* buffer, size_t size) {
  auto* state = static_cast<WriterState*>(data);
  return (*state->write)(static_cast<const char*>(buffer), size) ? static_cast<la_ssize_t>(size)
                                                                 : -1;
}

}  // namespace

absl::Status WriteDirectoryTar(const std::string& directory, const archive::WriteChunk& write) {
  std::string name(absl::StripLeadingAsciiWhitespace(directory));
  while (!name.empty() && name.front() == '/') name.erase(0, 1);
  while (!name.empty() && name.back() == '/') name.pop_back();
  std::unique_ptr<struct archive, int (*)(struct archive*)> writer(archive_write_new(),
                                                                   archive_write_free);
  WriterState state{&write};
  archive_write_set_format_pax_restricted(writer.get());
  archive_write_set_bytes_in_last_block(writer.get(), 1);
  if (archive_write_open(writer.get(), &state, nullptr, WriteCallback, nullptr) != ARCHIVE_OK) {
    return absl::InternalError(absl::StrCat("WORKDIR tar: ", archive_error_string(writer.get())));
  }
  if (!name.empty()) {
    std::unique_ptr<archive_entry, void (*)(archive_entry*)> entry(archive_entry_new(),
                                                                   archive_entry_free);
    archive_entry_set_pathname(entry.get(), (name + "/").c_str());
    archive_entry_set_filetype(entry.get(), AE_IFDIR);
    archive_entry_set_perm(entry.get(), 0755);
    archive_entry_set_uid(entry.get(), 0);
    archive_entry_set_gid(entry.get(), 0);
    archive_entry_set_mtime(entry.get(), std::time(nullptr), 0);
    if (archive_write_header(writer.get(), entry.get()) != ARCHIVE_OK) {
      return absl::InternalError(
          absl::StrCat("WORKDIR tar: ", archive_error_string(writer.get())));
    }
  }
  if (archive_write_close(writer.get()) != ARCHIVE_OK) {
    return absl::InternalError(absl::StrCat("WORKDIR tar: ", archive_error_string(writer.get())));
  }
  return absl::OkStatus();
}

}  // namespace berth::builder
