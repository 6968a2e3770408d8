#include "services/berthd/audit_log.h"

#include <fcntl.h>
#include <unistd.h>

#include <memory>

#include "absl/strings/str_cat.h"
#include "nlohmann/json.hpp"
#include "services/common/base/log.h"

namespace berth::berthd {

absl::StatusOr<std::unique_ptr<AuditLog>> AuditLog::Open(const std::string& path) {
  int fd = ::open(path.c_str(), O_WRONLY | O_CREAT | O_APPEND | O_CLOEXEC, 0600);
  if (fd < 0) return absl::ErrnoToStatus(errno, absl::StrCat("open audit log ", path));
  return std::unique_ptr<AuditLog>(new AuditLog(path, fd));
}

AuditLog::~AuditLog() { ::close(fd_); }

std::string AuditLog::Format(const AuditRecord& record) {
  nlohmann::json line = {
      {"time", absl::FormatTime("%Y-%m-%dT%H:%M:%E6SZ", record.time, absl::UTCTimeZone())},
      {"identity", record.identity},
      {"role", record.role},
      {"peer", record.peer},
      {"method", record.method},
      {"target", record.target},
      {"code", record.code},
  };
  if (!record.message.empty()) line["message"] = record.message;
  return line.dump(-1, ' ', false, nlohmann::json::error_handler_t::replace) + "\n";
}

void AuditLog::Write(const AuditRecord& record) {
  std::string line = Format(record);
  if (::write(fd_, line.data(), line.size()) != static_cast<ssize_t>(line.size())) {
    BERTH_LOG(Error) << "audit log " << path_ << ": write failed: " << errno;
  }
}

}  // namespace berth::berthd
