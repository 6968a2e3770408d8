#ifndef BERTH_SHIM_LOGGING_JSON_FILE_H_
#define BERTH_SHIM_LOGGING_JSON_FILE_H_

// Docker's json-file log driver: one JSON record per line,
//   {"log":"hello\n","stream":"stdout","time":"2026-11-22T10:00:00.000000001Z"}
// rotated by size into PATH.1, PATH.2 ... (max-size, max-file), and read
// back with tail, since/until, per-stream selection and follow — across
// rotation.

#include <cstdint>
#include <functional>
#include <memory>
#include <string>
#include <string_view>
#include <vector>

#include "absl/status/statusor.h"
#include "absl/time/time.h"
#include "shim/logging/log_driver.h"

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

struct LogRecord {
  std::string stream;
  std::string line;  // with its trailing newline when it had one
  absl::Time time;
};

struct ReadOptions {
  bool include_stdout = true;
  bool include_stderr = true;
  // Last N records; negative for all.
  int64_t tail = -1;
  absl::Time since = absl::InfinitePast();
  absl::Time until = absl::InfiniteFuture();
};

// Every matching record, oldest first, from the rotated files and the
// current one.
absl::StatusOr<std::vector<LogRecord>> ReadLogs(const std::string& path, int max_files,
                                                const ReadOptions& options);

// How many records at the start of `later` repeat the end of `earlier`
// (the longest such overlap; records compared whole).
size_t OverlapLength(const std::vector<LogRecord>& earlier, const std::vector<LogRecord>& later);

// Delivers records appended to the log from now on, following rotation
// (also several rotations between two looks), until `stop` returns true;
// what was written by then is still delivered. `opened` runs once the
// position is taken: everything written after it will be delivered.
absl::Status FollowLogs(const std::string& path, int max_files, const ReadOptions& options,
                        const std::function<void(const LogRecord&)>& deliver,
                        const std::function<bool()>& stop,
                        const std::function<void()>& opened = nullptr);

}  // namespace berth::logging

#endif  // BERTH_SHIM_LOGGING_JSON_FILE_H_
