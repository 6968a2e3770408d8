#ifndef BERTH_CLI_AUTH_CONFIG_H_
#define BERTH_CLI_AUTH_CONFIG_H_

// Registry credentials kept by the CLI in a docker-style config.json
// ({"auths": {"HOST": {"auth": base64("user:password")}}}, mode 0600) at
// $BERTH_CONFIG/config.json or ~/.berth/config.json. The daemon never
// stores them; the CLI sends them with each pull or push.

#include <optional>
#include <string>

#include "absl/status/status.h"
#include "absl/status/statusor.h"

namespace berth::cli {

struct RegistryCredentials {
  std::string username;
  std::string password;
};

std::string AuthConfigPath();
// The key docker uses for a registry ("https://index.docker.io/v1/" for Hub).
std::string RegistryKey(const std::string& host);
// The registry host of an image reference ("docker.io" when none is named).
std::string RegistryOf(const std::string& image);

std::optional<RegistryCredentials> LoadCredentials(const std::string& host);
absl::Status StoreCredentials(const std::string& host, const RegistryCredentials& credentials);
// Returns false when there was nothing to remove.
absl::StatusOr<bool> RemoveCredentials(const std::string& host);

}  // namespace berth::cli

#endif  // BERTH_CLI_AUTH_CONFIG_H_
