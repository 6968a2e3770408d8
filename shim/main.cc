// berth-shim --bundle DIR [--init PATH]
//
// Started by the tasks service (launch.h) with the container's description
// in DIR/config.pb and a pipe on fd 3 for the start report. It reports the
// container's pid (or why it could not start) on fd 3, closes it, and then
// serves on DIR/sock until the exit has been collected.

#include <fcntl.h>
#include <unistd.h>

#include <cstdio>
#include <cstring>
#include <fstream>
#include <sstream>
#include <string>

#include "services/common/base/self_path.h"
#include "absl/strings/str_cat.h"
#include "berth/shim/v1/shim.pb.h"
#include "shim/server/shim.h"

namespace {

// fd 3 from the launcher, moved to a close-on-exec descriptor at once so
// that the container never holds the report pipe open.
int g_report_fd = -1;

void Report(const absl::StatusOr<pid_t>& pid) {
  berth::shim::v1::Response response;
  if (pid.ok()) {
    berth::shim::v1::CreateResponse created;
    created.set_pid(*pid);
    response.set_payload(created.SerializeAsString());
  } else {
    response.set_code(static_cast<int>(pid.status().code()));
    response.set_message(std::string(pid.status().message()));
  }
  std::string bytes = response.SerializeAsString();
  ssize_t ignored = ::write(g_report_fd, bytes.data(), bytes.size());
  (void)ignored;
  ::close(g_report_fd);
}

}  // namespace

int main(int argc, char** argv) {
  g_report_fd = ::fcntl(3, F_DUPFD_CLOEXEC, 3);
  ::close(3);
  std::string bundle, init_path = berth::SelfDirectory() + "/berth-init";
  for (int i = 1; i + 1 < argc; i += 2) {
    if (std::strcmp(argv[i], "--bundle") == 0) bundle = argv[i + 1];
    if (std::strcmp(argv[i], "--init") == 0) init_path = argv[i + 1];
  }
  if (bundle.empty()) {
    std::fprintf(stderr, "usage: berth-shim --bundle DIR [--init PATH]\n");
    return 2;
  }
  berth::shim::ShimOptions options;
  std::stringstream bytes;
  bool read = false;
  {
    std::ifstream config(bundle + "/config.pb", std::ios::binary);
    bytes << config.rdbuf();
    read = static_cast<bool>(config);
  }
  if (!read || !options.create.ParseFromString(bytes.str())) {
    Report(absl::InvalidArgumentError(absl::StrCat("shim: cannot read ", bundle, "/config.pb")));
    return 1;
  }
  options.socket_path = bundle + "/sock";
  options.init_path = init_path;
  options.systemd_helper = berth::SelfDirectory() + "/berth-systemd-scope";
  berth::shim::Shim shim(std::move(options));
  absl::StatusOr<pid_t> pid = shim.Start();
  Report(pid);
  if (!pid.ok()) return 1;
  shim.Run();
  return 0;
}
