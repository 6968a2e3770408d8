#include "services/tasks/namespace_modes.h"

#include <unistd.h>

#include "absl/strings/match.h"
#include "absl/strings/str_cat.h"

namespace berth::tasks {
namespace {

constexpr char kContainerPrefix[] = "container:";

bool NamesContainer(const std::string& mode) {
  return absl::StartsWith(mode, kContainerPrefix) && mode.size() > sizeof(kContainerPrefix) - 1;
}

// A donor's IPC namespace may be joined when it was made to be shared
// (docker's default, private, is not) or is itself shared. A namespace
// holder (the only container with no image) exists to be joined, also one
// made before berth-cri asked for shareable.
bool ShareableIpc(const v1::ContainerSpec& donor) {
  return donor.ipc_mode() == "shareable" || donor.ipc_mode() == "host" ||
         NamesContainer(donor.ipc_mode()) || donor.image().empty();
}

std::string HostNamespace(const char* type) {
  return absl::StrCat("/proc/", ::getpid(), "/ns/", type);
}

}  // namespace

absl::Status ValidateNamespaceModes(const v1::ContainerSpec& spec) {
  const std::string& ipc = spec.ipc_mode();
  if (!(ipc.empty() || ipc == "none" || ipc == "private" || ipc == "shareable" || ipc == "host" ||
        NamesContainer(ipc))) {
    return absl::InvalidArgumentError(absl::StrCat("invalid IPC mode: ", ipc));
  }
  const std::string& pid = spec.pid_mode();
  if (!(pid.empty() || pid == "host" || NamesContainer(pid))) {
    return absl::InvalidArgumentError(absl::StrCat("invalid PID mode: ", pid));
  }
  // container:X for UTS is berth's (a pod's containers share its holder's).
  const std::string& uts = spec.uts_mode();
  if (!(uts.empty() || uts == "host" || NamesContainer(uts))) {
    return absl::InvalidArgumentError(absl::StrCat("invalid UTS mode: ", uts));
  }
  if (uts == "host" && !spec.hostname().empty()) {
    return absl::InvalidArgumentError("conflicting options: hostname and the UTS mode");
  }
  return absl::OkStatus();
}

std::string ModeContainer(const std::string& mode) {
  return NamesContainer(mode) ? mode.substr(sizeof(kContainerPrefix) - 1) : "";
}

absl::StatusOr<std::map<std::string, std::string>> JoinedNamespaces(
    const v1::Container& container, const ContainerLookup& lookup) {
  const v1::ContainerSpec& spec = container.spec();
  std::map<std::string, std::string> joined;
  for (const char* type : {"ipc", "pid", "uts"}) {
    const bool ipc = std::string(type) == "ipc";
    const std::string& mode = ipc                         ? spec.ipc_mode()
                              : std::string(type) == "pid" ? spec.pid_mode()
                                                           : spec.uts_mode();
    if (mode == "host") {
      joined[type] = HostNamespace(type);
      continue;
    }
    std::string ref = ModeContainer(mode);
    if (ref.empty()) continue;
    std::optional<v1::Container> other = lookup(ref);
    if (!other || other->namespace_() != container.namespace_()) {
      return absl::NotFoundError(absl::StrCat("No such container: ", ref));
    }
    if ((other->state().status() != v1::RUNNING && other->state().status() != v1::PAUSED) ||
        other->state().pid() <= 0) {
      return absl::FailedPreconditionError(absl::StrCat("container ", ref, " is not running"));
    }
    if (ipc && !ShareableIpc(other->spec())) {
      return absl::InvalidArgumentError(absl::StrCat(
          "container ", ref, ": non-shareable IPC (hint: use IpcMode:shareable for the donor container)"));
    }
    joined[type] = absl::StrCat("/proc/", other->state().pid(), "/ns/", type);
  }
  return joined;
}

}  // namespace berth::tasks
