#ifndef BERTH_SHIM_LOGGING_LOG_READER_H_
#define BERTH_SHIM_LOGGING_LOG_READER_H_

// Reading a container's log back (`logs`: tail, since/until, per-stream
// selection and follow), whatever driver wrote it: the driver's decoder
// turns the file's lines into records, the reading around it is one.

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

struct LogRecord {
  std::string stream;
  std::string line;  // with its trailing newline when it had one
  absl::Time time;
};

// Turns a log file's lines into whole records. A driver's format may spread
// a record over several lines (the CRI format's partial lines), so a
// decoder keeps what it has not finished.
class RecordDecoder {
 public:
  virtual ~RecordDecoder() = default;
  // One line of the file without its newline; appends the records it ends.
  virtual void Decode(std::string_view line, std::vector<LogRecord>* records) = 0;
  // Appends what was begun and never ended (output cut off at an exit).
  virtual void Finish(std::vector<LogRecord>* records) { (void)records; }
};

// The decoder of a readable driver's files (LogDriverReadable).
std::unique_ptr<RecordDecoder> NewRecordDecoder(const std::string& driver);

// A container's log: where it is and what wrote it.
struct LogFile {
  std::string path;
  // json-file's rotation: PATH.1 ... PATH.(max_files-1) are older.
  int max_files = 1;
  std::string driver = kJsonFileDriver;
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
absl::StatusOr<std::vector<LogRecord>> ReadLogs(const LogFile& file, const ReadOptions& options);

// How many records at the start of `later` repeat the end of `earlier`
// (the longest such overlap; records compared whole).
size_t OverlapLength(const std::vector<LogRecord>& earlier, const std::vector<LogRecord>& later);

// Delivers records appended to the log from now on, following rotation
// (also several rotations between two looks, and a file renamed away and
// made again at the path, as the kubelet rotates CRI logs), until `stop`
// returns true; what was written by then is still delivered. `opened` runs
// once the position is taken: everything written after it will be
// delivered.
absl::Status FollowLogs(const LogFile& file, const ReadOptions& options,
                        const std::function<void(const LogRecord&)>& deliver,
                        const std::function<bool()>& stop,
                        const std::function<void()>& opened = nullptr);

}  // namespace berth::logging

#endif  // BERTH_SHIM_LOGGING_LOG_READER_H_
