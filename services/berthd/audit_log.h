#ifndef BERTH_SERVICES_BERTHD_AUDIT_LOG_H_
#define BERTH_SERVICES_BERTHD_AUDIT_LOG_H_

// Every mutating call through berthd is recorded as one JSON line: time,
// identity, role, method, target, result. The file is opened O_APPEND and
// each record is a single write(2), so records never interleave.

#include <string>

#include "absl/status/status.h"
#include "absl/status/statusor.h"
#include "absl/time/time.h"

namespace berth::berthd {

struct AuditRecord {
  absl::Time time;
  std::string identity;
  std::string role;
  std::string peer;
  std::string method;
  std::string target;
  // Canonical code name: OK, PERMISSION_DENIED...
  std::string code;
  std::string message;
};

class AuditLog {
 public:
  static absl::StatusOr<std::unique_ptr<AuditLog>> Open(const std::string& path);
  ~AuditLog();
  AuditLog(const AuditLog&) = delete;
  AuditLog& operator=(const AuditLog&) = delete;

  void Write(const AuditRecord& record);
  const std::string& path() const { return path_; }

  static std::string Format(const AuditRecord& record);

 private:
  AuditLog(std::string path, int fd) : path_(std::move(path)), fd_(fd) {}
  std::string path_;
  int fd_;
};

}  // namespace berth::berthd

#endif  // BERTH_SERVICES_BERTHD_AUDIT_LOG_H_
