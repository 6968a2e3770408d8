#ifndef BERTH_SERVICES_BUILDER_DISPATCH_EXPOSE_PORTS_H_
#define BERTH_SERVICES_BUILDER_DISPATCH_EXPOSE_PORTS_H_

// EXPOSE's port words → the image config's ExposedPorts keys, as docker's
// nat.ParsePortSpecs reads them: "80" → "80/tcp", "53/udp", ranges
// "8000-8002" → one key per port, and the [ip:][hostPort:] prefixes it
// tolerates (only the container port is exposed).

#include <string>
#include <vector>

#include "absl/status/statusor.h"

namespace berth::builder {

// Errors carry docker's texts: "Invalid containerPort: x",
// "Invalid proto: foo", "No port specified: :<empty>".
absl::StatusOr<std::vector<std::string>> ExposedPortKeys(
    const std::string& spec);

}  // namespace berth::builder

#endif  // BERTH_SERVICES_BUILDER_DISPATCH_EXPOSE_PORTS_H_
