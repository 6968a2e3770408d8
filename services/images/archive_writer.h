#ifndef BERTH_SERVICES_IMAGES_ARCHIVE_WRITER_H_
#define BERTH_SERVICES_IMAGES_ARCHIVE_WRITER_H_

// Writes a tar (pax) stream with libarchive to a callback in chunks: how
// save streams an image archive to the client without a temporary file.

#include <functional>
#include <string>

#include "absl/status/status.h"

struct archive;

namespace berth::images {

class TarStreamWriter {
 public:
  // sink receives the stream in pieces; false stops the writing.
  explicit TarStreamWriter(std::function<bool(const char*, size_t)> sink);
  ~TarStreamWriter();
  TarStreamWriter(const TarStreamWriter&) = delete;
  TarStreamWriter& operator=(const TarStreamWriter&) = delete;

  absl::Status AddFile(const std::string& path, const std::string& content);
  absl::Status AddFileFrom(const std::string& path, const std::string& source, int64_t size);
  absl::Status AddDirectory(const std::string& path);
  absl::Status Close();

 private:
  absl::Status Header(const std::string& path, unsigned type, int64_t size, int mode);
  absl::Status Error(const std::string& what);

  std::function<bool(const char*, size_t)> sink_;
  archive* archive_;
  bool closed_ = false;
};

}  // namespace berth::images

#endif  // BERTH_SERVICES_IMAGES_ARCHIVE_WRITER_H_
