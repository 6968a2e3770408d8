#include "cli/auth_config.h"

#include <fcntl.h>
#include <sys/stat.h>
#include <unistd.h>

#include <cstdlib>
#include <fstream>
#include <sstream>

#include "absl/status/statusor.h"
#include "absl/strings/escaping.h"
#include "absl/strings/str_cat.h"
#include "cli/connection.h"
#include "nlohmann/json.hpp"

namespace berth::cli {
namespace {

nlohmann::json Load() {
  std::ifstream in(AuthConfigPath());
  if (!in) return nlohmann::json::object();
  std::stringstream buffer;
  buffer << in.rdbuf();
  nlohmann::json json = nlohmann::json::parse(buffer.str(), nullptr, false);
  return json.is_object() ? json : nlohmann::json::object();
}

absl::Status Save(const nlohmann::json& json) {
  std::string path = AuthConfigPath();
  std::string dir = path.substr(0, path.rfind('/'));
  ::mkdir(dir.c_str(), 0700);
  std::string temp = path + ".tmp";
  int fd = ::open(temp.c_str(), O_WRONLY | O_CREAT | O_TRUNC | O_CLOEXEC, 0600);
  if (fd < 0) return absl::ErrnoToStatus(errno, "write " + temp);
  std::string data = json.dump(1, '\t') + "\n";
  bool ok = ::write(fd, data.data(), data.size()) == static_cast<ssize_t>(data.size()) &&
            ::fsync(fd) == 0;
  ::close(fd);
  if (!ok || ::rename(temp.c_str(), path.c_str()) != 0) {
    return absl::ErrnoToStatus(errno, "write " + path);
  }
  return absl::OkStatus();
}

}  // namespace

std::string AuthConfigPath() {
  std::string dir = BerthOrDockerEnv("CONFIG");
  if (!dir.empty()) return dir + "/config.json";
  const char* home = std::getenv("HOME");
  return std::string(home ? home : "/root") + "/.berth/config.json";
}

std::string RegistryKey(const std::string& host) {
  if (host.empty() || host == "docker.io" || host == "index.docker.io" ||
      host == "registry-1.docker.io") {
    return "https://index.docker.io/v1/";
  }
  return host;
}

std::string RegistryOf(const std::string& image) {
  size_t slash = image.find('/');
  if (slash == std::string::npos) return "docker.io";
  std::string first = image.substr(0, slash);
  if (first.find('.') != std::string::npos || first.find(':') != std::string::npos ||
      first == "localhost") {
    return first == "index.docker.io" ? "docker.io" : first;
  }
  return "docker.io";
}

std::optional<RegistryCredentials> LoadCredentials(const std::string& host) {
  nlohmann::json json = Load();
  std::string key = RegistryKey(host);
  if (!json.contains("auths") || !json["auths"].contains(key)) return std::nullopt;
  const auto& entry = json["auths"][key];
  std::string encoded = entry.value("auth", "");
  std::string decoded;
  if (!absl::Base64Unescape(encoded, &decoded)) return std::nullopt;
  size_t colon = decoded.find(':');
  if (colon == std::string::npos) return std::nullopt;
  return RegistryCredentials{decoded.substr(0, colon), decoded.substr(colon + 1)};
}

absl::Status StoreCredentials(const std::string& host, const RegistryCredentials& credentials) {
  nlohmann::json json = Load();
  json["auths"][RegistryKey(host)] = {
      {"auth", absl::Base64Escape(credentials.username + ":" + credentials.password)}};
  return Save(json);
}

absl::StatusOr<bool> RemoveCredentials(const std::string& host) {
  nlohmann::json json = Load();
  std::string key = RegistryKey(host);
  if (!json.contains("auths") || !json["auths"].contains(key)) return false;
  json["auths"].erase(key);
  absl::Status status = Save(json);
  if (!status.ok()) return status;
  return true;
}

}  // namespace berth::cli
