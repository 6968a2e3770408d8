#ifndef BERTH_CLI_TEMPLATE_DOCKER_FIELDS_H_
#define BERTH_CLI_TEMPLATE_DOCKER_FIELDS_H_

// What docker's typed inspect structs say about a field that JSON leaves
// null or out (omitempty): docker's CLI runs `inspect --format` on those
// structs first, where such a field is still there, as its Go zero value.
// Only the fields that can be null or absent in docker's inspect objects
// (containers, images, networks, volumes) are known by name.

#include <optional>

#include "absl/strings/string_view.h"
#include "cli/template_value.h"
#include "nlohmann/json.hpp"

namespace berth::cli::gotmpl {

struct DockerField {
  GoKind kind = GoKind::kUnknown;
  // For an absent field of a plain kind: its zero value ("" or false).
  nlohmann::json zero;
};

// nullopt for a name no docker struct has as a nullable or omitempty field.
std::optional<DockerField> FindDockerField(absl::string_view name);

}  // namespace berth::cli::gotmpl

#endif  // BERTH_CLI_TEMPLATE_DOCKER_FIELDS_H_
