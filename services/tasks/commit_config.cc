#include "services/tasks/commit_config.h"

#include "absl/strings/match.h"
#include "absl/strings/str_join.h"
#include "absl/strings/strip.h"
#include "nlohmann/json.hpp"
#include "services/tasks/health.h"

namespace berth::tasks {
namespace {

nlohmann::json StringsOrNull(const google::protobuf::RepeatedPtrField<std::string>& items) {
  if (items.empty()) return nullptr;
  return nlohmann::json(std::vector<std::string>(items.begin(), items.end()));
}

}  // namespace

std::string CommitConfigJson(const v1::Container& container) {
  const v1::ContainerSpec& spec = container.spec();
  nlohmann::json config = nlohmann::json::object();
  nlohmann::json image = nlohmann::json::parse(container.image_config_json(), nullptr, false);
  if (image.is_object() && image.contains("config") && image["config"].is_object()) {
    config = image["config"];
  }
  config["Cmd"] = StringsOrNull(spec.cmd());
  config["Entrypoint"] = StringsOrNull(spec.entrypoint());
  std::vector<std::string> env;
  for (const std::string& entry : spec.env()) {
    if (absl::StartsWith(entry, "HOSTNAME=")) continue;
    if (spec.tty() && entry == "TERM=xterm") continue;
    env.push_back(entry);
  }
  config["Env"] = env;
  config["WorkingDir"] = spec.working_dir();
  config["User"] = spec.user();
  if (!spec.stop_signal().empty()) config["StopSignal"] = spec.stop_signal();
  // The merged check, --no-healthcheck's NONE included (docker's c.Config).
  if (spec.has_healthcheck()) config["Healthcheck"] = HealthConfigToJson(spec.healthcheck());
  nlohmann::json labels = nlohmann::json::object();
  for (const auto& [key, value] : spec.labels()) labels[key] = value;
  config["Labels"] = labels.empty() ? nlohmann::json(nullptr) : labels;
  if (spec.exposed_ports_size() > 0) {
    nlohmann::json ports = nlohmann::json::object();
    for (const std::string& port : spec.exposed_ports()) {
      ports[port.find('/') == std::string::npos ? port + "/tcp" : port] = nlohmann::json::object();
    }
    config["ExposedPorts"] = ports;
  }
  return nlohmann::json({{"config", config}}).dump();
}

std::vector<std::string> CommitExcludes(const v1::Container& container) {
  std::vector<std::string> excludes = {"etc/hostname", "etc/hosts", "etc/resolv.conf",
                                       "dev", "proc", "sys"};
  for (const v1::MountSpec& mount : container.spec().mounts()) {
    std::string path(absl::StripPrefix(mount.destination(), "/"));
    while (!path.empty() && path.back() == '/') path.pop_back();
    if (!path.empty()) excludes.push_back(path);
  }
  return excludes;
}

std::string CommitCreatedBy(const v1::Container& container) {
  return absl::StrJoin(container.spec().cmd(), " ");
}

}  // namespace berth::tasks
