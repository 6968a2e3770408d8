#ifndef BERTH_SERVICES_DOCKER_BUILD_OPTIONS_H_
#define BERTH_SERVICES_DOCKER_BUILD_OPTIONS_H_

// POST /build's query and headers as the builder's options, read as
// dockerd's newImageBuildOptions reads them: t repeated, the JSON ones
// (buildargs, labels, cachefrom, ulimits) checked, numbers that do not
// parse as 0, rm on unless rm= says otherwise or forcerm is set.

#include "absl/status/statusor.h"
#include "berth/builder/v1/builder.pb.h"
#include "services/common/http/http_server.h"

namespace berth::docker {

// INVALID_ARGUMENT for malformed values and options dockerd refuses on
// Linux (securityopt, squash, isolation); UNIMPLEMENTED for what berth's
// classic builder cannot do (remote contexts, BuildKit's version=2).
absl::StatusOr<berth::builder::v1::BuildOptions> BuildOptionsFromRequest(
    const http::HttpRequest& request);

}  // namespace berth::docker

#endif  // BERTH_SERVICES_DOCKER_BUILD_OPTIONS_H_
