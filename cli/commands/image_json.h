#ifndef BERTH_CLI_COMMANDS_IMAGE_JSON_H_
#define BERTH_CLI_COMMANDS_IMAGE_JSON_H_

// An image as `image inspect` and the Docker API's GET /images/{name}/json
// show it: docker's ImageInspect from the images service's ImageDetail.

#include "berth/images/v1/images.pb.h"
#include "nlohmann/json.hpp"

namespace berth::cli {

nlohmann::json ImageInspectJson(const berth::images::v1::ImageDetail& image);

// docker's events.Message for an image event.
nlohmann::json ImageEventJson(const google::protobuf::Timestamp& time,
                              const berth::images::v1::ImageEvent& event);

}  // namespace berth::cli

#endif  // BERTH_CLI_COMMANDS_IMAGE_JSON_H_
