#ifndef BERTH_SERVICES_COMMON_HTTP_LISTEN_H_
#define BERTH_SERVICES_COMMON_HTTP_LISTEN_H_

// The listening sockets the HTTP servers (the Docker API, the CRI's
// streaming server) are started on.

#include <string>
#include <vector>

#include "absl/status/statusor.h"

namespace berth::http {

// A unix socket listening at path, mode 0660, group the first of groups
// that exists (an existing socket file is replaced).
absl::StatusOr<int> ListenUnix(const std::string& path, const std::vector<std::string>& groups);

// A TCP socket listening on host:port ("[::1]:2377", "0.0.0.0:2377").
absl::StatusOr<int> ListenTcp(const std::string& address);

}  // namespace berth::http

#endif  // BERTH_SERVICES_COMMON_HTTP_LISTEN_H_
