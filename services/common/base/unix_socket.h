#ifndef BERTH_SERVICES_COMMON_BASE_UNIX_SOCKET_H_
#define BERTH_SERVICES_COMMON_BASE_UNIX_SOCKET_H_

// The client sockets' permissions, shared by berthd's gRPC socket and the
// Docker API's: only root and one group may use them (their users have
// root's power), as dockerd does with "docker".

#include <string>
#include <vector>

#include "absl/status/status.h"

namespace berth {

// Mode 0660, and the first of groups that exists as the socket's group.
absl::Status SecureUnixSocket(const std::string& path, const std::vector<std::string>& groups);

}  // namespace berth

#endif  // BERTH_SERVICES_COMMON_BASE_UNIX_SOCKET_H_
