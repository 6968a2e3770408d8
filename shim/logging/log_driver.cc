#include "shim/logging/log_driver.h"

#include <algorithm>
#include <iterator>

#include "absl/strings/str_cat.h"
#include "shim/logging/cri_log.h"
#include "shim/logging/json_file.h"
#include "shim/logging/log_reader.h"

namespace berth::logging {
namespace {

// --log-driver none: the output reaches attached clients only.
class NoneDriver final : public LogDriver {
 public:
  absl::Status Write(const std::string&, std::string_view, absl::Time) override {
    return absl::OkStatus();
  }
  absl::Status Flush(absl::Time) override { return absl::OkStatus(); }
  absl::Status Reopen() override { return absl::OkStatus(); }
};

// The drivers built into dockerd that berth does not have.
constexpr const char* kDockerOnly[] = {"local",  "syslog",  "journald", "gelf",
                                       "fluentd", "awslogs", "splunk",   "etwlogs",
                                       "gcplogs", "logentries"};

bool IsJsonFile(const std::string& driver) { return driver.empty() || driver == kJsonFileDriver; }

}  // namespace

absl::StatusOr<std::unique_ptr<LogDriver>> OpenLogDriver(const LogDriverOptions& options) {
  if (options.driver == kNoneDriver) return std::make_unique<NoneDriver>();
  if (options.driver == kCriDriver) {
    auto writer = CriLogWriter::Open(options.path, options.max_line_size);
    if (!writer.ok()) return writer.status();
    return std::unique_ptr<LogDriver>(*std::move(writer));
  }
  if (!IsJsonFile(options.driver)) return CheckLogDriver(options.driver);
  auto writer = JsonFileWriter::Open(options.path, options.max_size, options.max_files);
  if (!writer.ok()) return writer.status();
  return std::unique_ptr<LogDriver>(*std::move(writer));
}

absl::Status CheckLogDriver(const std::string& driver) {
  if (IsJsonFile(driver) || driver == kNoneDriver || driver == kCriDriver) return absl::OkStatus();
  if (std::find(std::begin(kDockerOnly), std::end(kDockerOnly), driver) != std::end(kDockerOnly)) {
    return absl::InvalidArgumentError(absl::StrCat(
        "logging driver \"", driver, "\" is not supported by berth (json-file, cri, none)"));
  }
  // dockerd looks an unknown name up as a plugin.
  return absl::InvalidArgumentError(absl::StrCat("error looking up logging plugin ", driver,
                                                 ": plugin \"", driver, "\" not found"));
}

bool LogDriverReadable(const std::string& driver) {
  return IsJsonFile(driver) || driver == kCriDriver;
}

std::unique_ptr<RecordDecoder> NewRecordDecoder(const std::string& driver) {
  if (driver == kCriDriver) return NewCriDecoder();
  return NewJsonFileDecoder();
}

}  // namespace berth::logging
