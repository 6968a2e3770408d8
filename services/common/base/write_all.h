#ifndef BERTH_SERVICES_COMMON_BASE_WRITE_ALL_H_
#define BERTH_SERVICES_COMMON_BASE_WRITE_ALL_H_

#include <string_view>

#include "absl/status/status.h"
#include "absl/strings/string_view.h"

namespace berth {

// Writes every byte of data to fd: short writes continue where they
// stopped and EINTR retries. A failure is errno's status, "write <what>: …".
// A pipe or socket whose reader went away fails with EPIPE where SIGPIPE
// is blocked or ignored, as in berth's services and berthd.
absl::Status WriteAll(int fd, std::string_view data, absl::string_view what);

}  // namespace berth

#endif  // BERTH_SERVICES_COMMON_BASE_WRITE_ALL_H_
