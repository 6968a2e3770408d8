#include "cli/commands/image_json.h"

namespace berth::cli {

nlohmann::json ImageInspectJson(const berth::images::v1::ImageDetail& image) {
  nlohmann::json config = nlohmann::json::parse(image.config_json(), nullptr, false);
  if (!config.is_object()) config = nlohmann::json::object();
  nlohmann::json layers = nlohmann::json::array();
  for (const std::string& id : image.diff_ids()) layers.push_back(id);
  return {{"Id", image.id()},
          {"RepoTags", std::vector<std::string>(image.repo_tags().begin(), image.repo_tags().end())},
          {"RepoDigests",
           std::vector<std::string>(image.repo_digests().begin(), image.repo_digests().end())},
          {"Parent", image.parent()},
          {"Comment", config.value("comment", "")},
          {"Created", config.value("created", "")},
          {"DockerVersion", config.value("docker_version", "")},
          {"Author", config.value("author", "")},
          {"Config", config.contains("config") ? config["config"] : nlohmann::json()},
          {"Architecture", image.platform().architecture()},
          {"Variant", image.platform().variant().empty() ? nlohmann::json()
                                                         : nlohmann::json(image.platform().variant())},
          {"Os", image.platform().os()},
          {"Size", image.size()},
          {"GraphDriver", {{"Name", "overlayfs"}, {"Data", {{"ChainID", image.chain_id()}}}}},
          {"RootFS", {{"Type", "layers"}, {"Layers", layers}}},
          {"Metadata", {{"LastTagTime", "0001-01-01T00:00:00Z"}}}};
}

nlohmann::json ImageEventJson(const google::protobuf::Timestamp& time,
                              const berth::images::v1::ImageEvent& event) {
  nlohmann::json attributes = nlohmann::json::object();
  for (const auto& [key, value] : event.attributes()) attributes[key] = value;
  return {{"status", event.action()},
          {"id", event.id()},
          {"Type", "image"},
          {"Action", event.action()},
          {"Actor", {{"ID", event.id()}, {"Attributes", attributes}}},
          {"scope", "local"},
          {"time", time.seconds()},
          {"timeNano", time.seconds() * 1000000000 + time.nanos()}};
}

}  // namespace berth::cli
