#include "shim/client/launch.h"

#include <fcntl.h>
#include <sys/syscall.h>
#include <sys/wait.h>
#include <unistd.h>

#include <cerrno>
#include <fstream>
#include <sstream>

#include "absl/strings/str_cat.h"
#include "absl/strings/strip.h"
#include "services/common/base/unique_fd.h"

namespace berth::shim {
namespace {

std::string LogTail(const std::string& path) {
  std::ifstream in(path);
  std::stringstream text;
  text << in.rdbuf();
  std::string all = text.str();
  if (all.size() > 2000) all = all.substr(all.size() - 2000);
  return std::string(absl::StripAsciiWhitespace(all));
}

}  // namespace

absl::StatusOr<pid_t> LaunchShim(const std::string& shim_binary, const v1::CreateRequest& create) {
  const std::string& bundle = create.bundle();
  {
    std::string temp = bundle + "/config.pb.tmp";
    std::ofstream out(temp, std::ios::binary | std::ios::trunc);
    create.SerializeToOstream(&out);
    out.close();
    if (!out || ::rename(temp.c_str(), (bundle + "/config.pb").c_str()) != 0) {
      return absl::InternalError(absl::StrCat("write ", bundle, "/config.pb"));
    }
  }
  std::string log_path = bundle + "/shim.log";
  UniqueFd log(::open(log_path.c_str(), O_WRONLY | O_CREAT | O_APPEND | O_CLOEXEC, 0600));
  UniqueFd dev_null(::open("/dev/null", O_RDONLY | O_CLOEXEC));
  if (!log.valid() || !dev_null.valid()) return absl::ErrnoToStatus(errno, "open " + log_path);
  int report[2];
  if (::pipe2(report, O_CLOEXEC) != 0) return absl::ErrnoToStatus(errno, "pipe");
  UniqueFd report_read(report[0]), report_write(report[1]);
  // Everything exec needs, prepared before fork.
  std::string bundle_flag = "--bundle";
  const char* argv[] = {shim_binary.c_str(), bundle_flag.c_str(), bundle.c_str(), nullptr};
  const char* envp[] = {"PATH=/usr/local/sbin:/usr/local/bin:/usr/sbin:/usr/bin:/sbin:/bin",
                        nullptr};

  pid_t middle = ::fork();
  if (middle < 0) return absl::ErrnoToStatus(errno, "fork");
  if (middle == 0) {
    ::setsid();
    pid_t shim = ::fork();
    if (shim != 0) ::_exit(shim < 0 ? 1 : 0);
    ::dup2(dev_null.get(), 0);
    ::dup2(log.get(), 1);
    ::dup2(log.get(), 2);
    ::dup2(report_write.get(), 3);  // dup2 clears close-on-exec
    ::syscall(SYS_close_range, 4, ~0U, 0);
    // "/" always exists; a failure would only leave the shim in the daemon's
    // working directory.
    if (::chdir("/") != 0) {
    }
    ::execve(argv[0], const_cast<char* const*>(argv), const_cast<char* const*>(envp));
    const char message[] = "berth-shim: exec failed\n";
    ssize_t ignored = ::write(2, message, sizeof(message) - 1);
    (void)ignored;
    ::_exit(127);
  }
  report_write.Reset();
  int status = 0;
  while (::waitpid(middle, &status, 0) < 0 && errno == EINTR) {
  }
  std::string bytes;
  char buffer[4096];
  ssize_t n;
  while ((n = ::read(report_read.get(), buffer, sizeof(buffer))) != 0) {
    if (n < 0 && errno == EINTR) continue;
    if (n < 0) break;
    bytes.append(buffer, static_cast<size_t>(n));
  }
  v1::Response response;
  if (bytes.empty() || !response.ParseFromString(bytes)) {
    return absl::InternalError(absl::StrCat("berth-shim exited without starting the container: ",
                                            LogTail(log_path)));
  }
  if (response.code() != 0) {
    return absl::Status(static_cast<absl::StatusCode>(response.code()), response.message());
  }
  v1::CreateResponse created;
  created.ParseFromString(response.payload());
  return created.pid();
}

}  // namespace berth::shim
