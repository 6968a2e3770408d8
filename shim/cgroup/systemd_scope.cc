#include "shim/cgroup/systemd_scope.h"

#include "absl/strings/str_cat.h"
#include "absl/strings/strip.h"
#include "services/common/base/run_process.h"

namespace berth::cgroup {

absl::Status SystemdScope::Start(pid_t pid, const std::vector<std::string>& properties) {
  std::vector<std::string> args = {"start", unit_, slice_, std::to_string(pid)};
  args.insert(args.end(), properties.begin(), properties.end());
  return Run(std::move(args));
}

absl::Status SystemdScope::SetProperties(const std::vector<std::string>& properties) {
  std::vector<std::string> args = {"set", unit_};
  args.insert(args.end(), properties.begin(), properties.end());
  return Run(std::move(args));
}

absl::Status SystemdScope::Stop() { return Run({"stop", unit_}); }

absl::Status SystemdScope::Run(std::vector<std::string> args) const {
  args.insert(args.begin(), helper_);
  auto result = RunProcess(args, InheritedEnvironment());
  if (!result.ok()) return result.status();
  if (result->exit_code == 0) return absl::OkStatus();
  // The helper's stderr is the error's text.
  std::string message(absl::StripAsciiWhitespace(result->err));
  if (message.empty()) {
    message = absl::StrCat(helper_, " ", args[1], " failed (exit ", result->exit_code, ")");
  }
  return absl::UnavailableError(absl::StrCat("systemd cgroup driver: ", message));
}

}  // namespace berth::cgroup
