#ifndef BERTH_SERVICES_TASKS_NAMESPACE_MODES_H_
#define BERTH_SERVICES_TASKS_NAMESPACE_MODES_H_

// docker's --ipc, --pid and --uts (HostConfig.IpcMode, PidMode, UTSMode):
// which of its IPC, PID and UTS namespaces a container shares, with the
// host or with another running container. Pure: the task manager looks
// the other containers up.

#include <functional>
#include <map>
#include <optional>
#include <string>

#include "absl/status/status.h"
#include "absl/status/statusor.h"
#include "berth/tasks/v1/tasks.pb.h"

namespace berth::tasks {

// docker's validation at create: "invalid IPC mode: x" and the like.
absl::Status ValidateNamespaceModes(const v1::ContainerSpec& spec);

// The container an ipc_mode or pid_mode "container:REF" names ("" for any
// other mode).
std::string ModeContainer(const std::string& mode);

// Looks a container up by id; nullopt when there is none.
using ContainerLookup = std::function<std::optional<v1::Container>(const std::string& id)>;

// The namespaces the shim joins instead of making new ones, by type ("ipc",
// "pid", "uts") as the shim's CreateRequest.join_namespaces: the host's are
// this process's own (the tasks service runs in them; the shim opens the
// path while the start waits for it), another container's those of its
// first process, which must be running (docker's errors otherwise).
absl::StatusOr<std::map<std::string, std::string>> JoinedNamespaces(
    const v1::Container& container, const ContainerLookup& lookup);

}  // namespace berth::tasks

#endif  // BERTH_SERVICES_TASKS_NAMESPACE_MODES_H_
