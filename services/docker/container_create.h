#ifndef BERTH_SERVICES_DOCKER_CONTAINER_CREATE_H_
#define BERTH_SERVICES_DOCKER_CONTAINER_CREATE_H_

// POST /containers/create: docker's Config, HostConfig and
// NetworkingConfig as the tasks service's ContainerSpec. The body is
// untrusted: every field is type-checked, and a wrong type is refused with
// the field's name, as dockerd's JSON decoder does.

#include "absl/status/statusor.h"
#include "berth/tasks/v1/tasks.pb.h"
#include "nlohmann/json.hpp"

namespace berth::docker {

absl::StatusOr<berth::tasks::v1::ContainerSpec> ContainerSpecFromCreateBody(
    const nlohmann::json& body);

// POST /containers/{id}/update's body: the limits given (0 or absent is
// unchanged, as dockerd) and the restart policy.
absl::StatusOr<berth::tasks::v1::UpdateContainerRequest> ContainerUpdateFromBody(
    const nlohmann::json& body);

}  // namespace berth::docker

#endif  // BERTH_SERVICES_DOCKER_CONTAINER_CREATE_H_
