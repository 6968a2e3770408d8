#ifndef BERTH_CLI_COMMANDS_CONTAINER_JSON_H_
#define BERTH_CLI_COMMANDS_CONTAINER_JSON_H_

// A container as `inspect` shows it: docker's ContainerJSON built from the
// tasks service's Container and the image config it carries.

#include <map>
#include <string>
#include <vector>

#include "berth/tasks/v1/tasks.pb.h"
#include "nlohmann/json.hpp"

namespace berth::cli {

// The container's config merged with its image's: what runs, with which
// environment and labels. The service keeps the spec merged; the image's
// config fills what a spec kept as given would lack.
struct ResolvedConfig {
  std::vector<std::string> entrypoint;
  std::vector<std::string> cmd;
  std::vector<std::string> env;
  std::map<std::string, std::string> labels;
  std::string working_dir;
  std::string user;
  std::string stop_signal;
  std::vector<std::string> exposed_ports;
};
ResolvedConfig ResolveConfig(const berth::tasks::v1::Container& container);

// `inspect` of a container, shaped as docker's ContainerJSON.
nlohmann::json ContainerInspectJson(const berth::tasks::v1::Container& container);

}  // namespace berth::cli

#endif  // BERTH_CLI_COMMANDS_CONTAINER_JSON_H_
