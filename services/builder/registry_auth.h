#ifndef BERTH_SERVICES_BUILDER_REGISTRY_AUTH_H_
#define BERTH_SERVICES_BUILDER_REGISTRY_AUTH_H_

// The client's registry credentials for pulling a build's base images.

#include <optional>
#include <string>

#include "berth/images/v1/images.pb.h"
#include "google/protobuf/map.h"

namespace berth::builder {

// The credentials for ref's registry in `auths` (X-Registry-Config: by
// the registry as the client names it, Docker Hub under its index URL).
std::optional<berth::images::v1::RegistryAuth> RegistryAuthFor(
    const std::string& ref,
    const google::protobuf::Map<std::string, berth::images::v1::RegistryAuth>& auths);

}  // namespace berth::builder

#endif  // BERTH_SERVICES_BUILDER_REGISTRY_AUTH_H_
