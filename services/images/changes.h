#ifndef BERTH_SERVICES_IMAGES_CHANGES_H_
#define BERTH_SERVICES_IMAGES_CHANGES_H_

// Dockerfile instructions given as --change to import and commit: CMD,
// ENTRYPOINT, ENV, EXPOSE, LABEL, USER, VOLUME, WORKDIR, STOPSIGNAL,
// HEALTHCHECK, applied to the "config" object of an OCI image config.

#include <string>

#include "absl/status/status.h"
#include "nlohmann/json.hpp"

namespace berth::images {

absl::Status ApplyChange(const std::string& change, nlohmann::json* config);

}  // namespace berth::images

#endif  // BERTH_SERVICES_IMAGES_CHANGES_H_
