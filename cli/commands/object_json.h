#ifndef BERTH_CLI_COMMANDS_OBJECT_JSON_H_
#define BERTH_CLI_COMMANDS_OBJECT_JSON_H_

// Networks and volumes as `inspect` and the Docker API show them (docker's
// NetworkResource and Volume).

#include "berth/network/v1/network.pb.h"
#include "berth/snapshots/v1/snapshots.pb.h"
#include "nlohmann/json.hpp"

namespace berth::cli {

nlohmann::json NetworkJson(const berth::network::v1::Network& network);
nlohmann::json VolumeJson(const berth::snapshots::v1::Volume& volume);

}  // namespace berth::cli

#endif  // BERTH_CLI_COMMANDS_OBJECT_JSON_H_
