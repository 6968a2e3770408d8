#ifndef BERTH_SHIM_LOGGING_JSON_FILE_H_
#define BERTH_SHIM_LOGGING_JSON_FILE_H_

// Docker's json-file log driver: one JSON record per line,
//   {"log":"hello\n","stream":"stdout","time":"2026-11-22T10:00:00.000000001Z"}
// rotated by size into PATH.1, PATH.2 ... (max-size, max-file); read back
// through log_reader.h, across rotation.

#include <cstdint>
#include <memory>
#include <string>
#include <string_view>

#include "absl/status/statusor.h"
#include "absl/time/time.h"
#include "shim/logging/log_driver.h"
#include "shim/logging/log_reader.h"

namespace berth::logging {

class JsonFileWriter final : public LogDriver {
 public:
  // max_size 0: never rotate. max_files counts the current file (≥ 1).
  static absl::StatusOr<std::unique_ptr<JsonFileWriter>> Open(std::string path, int64_t max_size,
                                                              int max_files);
  ~JsonFileWriter() override;
  JsonFileWriter(const JsonFileWriter&) = delete;
  JsonFileWriter& operator=(const JsonFileWriter&) = delete;

  // Appends output of a stream ("stdout" or "stderr"); complete lines are
  // written as records, a partial line waits for its end (or 16 KiB, as
  // docker splits long lines).
  absl::Status Write(const std::string& stream, std::string_view data, absl::Time time) override;
  // Writes what is left of partial lines (the process ended).
  absl::Status Flush(absl::Time time) override;
  // Opens the path again (a file renamed away is left to whoever did it).
  absl::Status Reopen() override;

 private:
  JsonFileWriter(std::string path, int64_t max_size, int max_files, int fd, int64_t size)
      : path_(std::move(path)), max_size_(max_size), max_files_(max_files), fd_(fd), size_(size) {}
  absl::Status Record(const std::string& stream, std::string_view line, absl::Time time);
  absl::Status Rotate();

  std::string path_;
  int64_t max_size_;
  int max_files_;
  int fd_;
  int64_t size_;
  std::string pending_[2];  // stdout, stderr
};

// Decodes the lines JsonFileWriter writes.
std::unique_ptr<RecordDecoder> NewJsonFileDecoder();

}  // namespace berth::logging

#endif  // BERTH_SHIM_LOGGING_JSON_FILE_H_
