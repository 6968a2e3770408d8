#ifndef BERTH_SHIM_LOGGING_CRI_LOG_H_
#define BERTH_SHIM_LOGGING_CRI_LOG_H_

// The Kubernetes CRI's container log format, as containerd writes it and
// the kubelet reads it: one record per line,
//   2026-12-07T16:00:00.123456789Z stdout F hello
// a time stamp (RFC 3339 with nanoseconds), the stream, a tag — F for the
// end of a line, P for part of one — and the content without its line end
// ("\n" or "\r\n"). A line longer than the limit becomes P records of the
// limit and an F with the rest; output left without a newline at exit is
// a last P. The file is the one the kubelet names; it renames it away to
// rotate and asks for it to be reopened.

#include <cstdint>
#include <memory>
#include <string>
#include <string_view>

#include "absl/status/statusor.h"
#include "absl/time/time.h"
#include "services/common/base/unique_fd.h"
#include "shim/logging/log_driver.h"
#include "shim/logging/log_reader.h"

namespace berth::logging {

class CriLogWriter final : public LogDriver {
 public:
  // Makes the file's directory if missing; appends to the file. A
  // max_line_size ≤ 0 never splits.
  static absl::StatusOr<std::unique_ptr<CriLogWriter>> Open(std::string path,
                                                            int64_t max_line_size);

  absl::Status Write(const std::string& stream, std::string_view data, absl::Time time) override;
  // Ends what waits for a newline as a partial record, as containerd at EOF.
  absl::Status Flush(absl::Time time) override;
  // A line begun before keeps waiting for its end and goes to the new file.
  absl::Status Reopen() override;

 private:
  CriLogWriter(std::string path, int64_t max_line_size, UniqueFd fd)
      : path_(std::move(path)), max_line_size_(max_line_size), fd_(std::move(fd)) {}
  // The record of `content` (a line, or a part of one when !full).
  absl::Status Record(const std::string& stream, bool full, std::string_view content,
                      absl::Time time);
  // Writes `content` as P records of the limit while more than the limit
  // is left; returns what is left.
  std::string_view SplitLong(const std::string& stream, std::string_view content, absl::Time time,
                             absl::Status* status);

  std::string path_;
  int64_t max_line_size_;
  UniqueFd fd_;
  std::string pending_[2];  // stdout, stderr: a line waiting for its end
};

// A record's time as Go's RFC3339Nano writes it in UTC: trailing zeros of
// the fraction dropped (…:05.1Z, …:05Z).
std::string CriTimestamp(absl::Time time);

// One line of a CRI log, parsed; false when the line is not one.
struct CriLine {
  absl::Time time;
  std::string stream;
  bool partial = false;
  std::string_view content;
};
bool ParseCriLine(std::string_view line, CriLine* parsed);

// Joins each stream's P records with the F that ends them into one record
// (with its "\n"), timed when the line began, as `logs` shows whole lines.
std::unique_ptr<RecordDecoder> NewCriDecoder();

}  // namespace berth::logging

#endif  // BERTH_SHIM_LOGGING_CRI_LOG_H_
