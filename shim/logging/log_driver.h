#ifndef BERTH_SHIM_LOGGING_LOG_DRIVER_H_
#define BERTH_SHIM_LOGGING_LOG_DRIVER_H_

// Where a container's output goes (docker's --log-driver): the drivers berth
// has, behind one small interface the shim writes to. json-file keeps it in
// the container's log (json_file.h), cri in the file the kubelet names, in
// the CRI's format (cri_log.h), none keeps nothing. The names docker knows
// and berth does not have are refused at create, by name.

#include <cstdint>
#include <memory>
#include <string>
#include <string_view>

#include "absl/status/status.h"
#include "absl/status/statusor.h"
#include "absl/time/time.h"

namespace berth::logging {

class LogDriver {
 public:
  virtual ~LogDriver() = default;
  // Output of a stream ("stdout" or "stderr") as the process wrote it.
  virtual absl::Status Write(const std::string& stream, std::string_view data, absl::Time time) = 0;
  // What is left of partial lines (the process ended).
  virtual absl::Status Flush(absl::Time time) = 0;
  // Closes the log and opens it again at its path, made anew if it was
  // renamed away (the CRI's ReopenContainerLog after the kubelet rotates).
  virtual absl::Status Reopen() = 0;
};

inline constexpr const char* kJsonFileDriver = "json-file";
inline constexpr const char* kNoneDriver = "none";
inline constexpr const char* kCriDriver = "cri";

// containerd's max_container_log_line_size: longer lines are split.
inline constexpr int64_t kDefaultCriMaxLineSize = 16 * 1024;

struct LogDriverOptions {
  std::string driver = kJsonFileDriver;
  // json-file: the log and its rotation (max_size 0 never rotates); cri:
  // the file the kubelet asked for.
  std::string path;
  int64_t max_size = 0;
  int max_files = 1;
  // cri: lines longer than this are split into partial records; ≤ 0 never.
  int64_t max_line_size = kDefaultCriMaxLineSize;
};

// The driver named in options; an error for one berth does not have.
absl::StatusOr<std::unique_ptr<LogDriver>> OpenLogDriver(const LogDriverOptions& options);

// Whether a container with this driver can be created: OK for berth's own,
// "not supported" for the other names docker knows, docker's plugin error
// for any other name.
absl::Status CheckLogDriver(const std::string& driver);

// Whether `logs` can read back what the driver keeps (docker: json-file,
// local and journald can, the rest cannot; berth's cri can).
bool LogDriverReadable(const std::string& driver);

}  // namespace berth::logging

#endif  // BERTH_SHIM_LOGGING_LOG_DRIVER_H_
