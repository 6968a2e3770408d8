#ifndef BERTH_SERVICES_BUILDER_DISPATCH_RUN_CONFIG_H_
#define BERTH_SERVICES_BUILDER_DISPATCH_RUN_CONFIG_H_

// Reading and writing docker's container config JSON ("config" of an
// image) the way the classic builder's runConfig does. The base config comes
// from an image: reads never throw, a field of the wrong type reads as
// absent.

#include <optional>
#include <string>
#include <vector>

#include "nlohmann/json.hpp"

namespace berth::builder {

// A []string field; empty when absent, null or not a list of strings.
std::vector<std::string> StringList(const nlohmann::json& config,
                                    const char* key);
// A string field; "" when absent or not a string.
std::string StringField(const nlohmann::json& config, const char* key);

// Sets a []string field; nullopt writes null, as docker's nil slice.
void SetStringList(nlohmann::json& config, const char* key,
                   const std::optional<std::vector<std::string>>& value);

// The config's Shell, else docker's Linux default ["/bin/sh", "-c"].
std::vector<std::string> ShellOf(const nlohmann::json& config);

// "PATH=..." added when the Env has no PATH, OpenStdin/StdinOnce cleared:
// what docker does to a base image's config when a stage starts.
void PrepareStageConfig(nlohmann::json& config);

// The fields docker's build cache compares (image/cache/compare.go),
// normalised (null and absent equal, as Go's len() makes them) and dumped
// with sorted keys.
std::string CacheKeyOf(const nlohmann::json& container_config);

}  // namespace berth::builder

#endif  // BERTH_SERVICES_BUILDER_DISPATCH_RUN_CONFIG_H_
