#include "services/common/base/write_all.h"

#include <unistd.h>

#include <cerrno>

#include "absl/strings/str_cat.h"

namespace berth {

absl::Status WriteAll(int fd, std::string_view data, absl::string_view what) {
  while (!data.empty()) {
    ssize_t n = ::write(fd, data.data(), data.size());
    if (n < 0 && errno == EINTR) continue;
    if (n < 0) return absl::ErrnoToStatus(errno, absl::StrCat("write ", what));
    if (n == 0) return absl::DataLossError(absl::StrCat("write ", what, ": nothing written"));
    data.remove_prefix(static_cast<size_t>(n));
  }
  return absl::OkStatus();
}

}  // namespace berth
