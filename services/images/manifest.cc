#include "services/images/manifest.h"

#include "absl/strings/str_cat.h"
#include "absl/strings/str_join.h"
#include "absl/strings/str_split.h"
#include "absl/time/time.h"
#include "nlohmann/json.hpp"
#include "services/common/digest/sha256.h"
#include "services/common/host/host_info.h"
#include "services/images/content_store.h"
#include "services/images/media_types.h"

namespace berth::images {
namespace {

using nlohmann::json;

absl::StatusOr<json> ParseJson(const std::string& body, const char* what) {
  json document = json::parse(body, nullptr, false);
  if (document.is_discarded() || !document.is_object()) {
    return absl::InvalidArgumentError(absl::StrCat(what, ": not a JSON object"));
  }
  return document;
}

absl::StatusOr<Descriptor> ParseDescriptor(const json& value, const char* what) {
  if (!value.is_object() || !value.contains("digest") || !value["digest"].is_string() ||
      !value.contains("size") || !value["size"].is_number_integer()) {
    return absl::InvalidArgumentError(absl::StrCat(what, ": descriptor without digest or size"));
  }
  Descriptor descriptor;
  descriptor.set_media_type(value.value("mediaType", ""));
  descriptor.set_digest(value["digest"].get<std::string>());
  descriptor.set_size(value["size"].get<int64_t>());
  if (!DigestHex(descriptor.digest()).ok()) {
    return absl::InvalidArgumentError(
        absl::StrCat(what, ": invalid digest \"", descriptor.digest(), "\""));
  }
  if (descriptor.size() < 0) return absl::InvalidArgumentError(absl::StrCat(what, ": negative size"));
  if (value.contains("platform") && value["platform"].is_object()) {
    const json& platform = value["platform"];
    descriptor.mutable_platform()->set_os(platform.value("os", ""));
    descriptor.mutable_platform()->set_architecture(platform.value("architecture", ""));
    descriptor.mutable_platform()->set_variant(platform.value("variant", ""));
  }
  if (value.contains("annotations") && value["annotations"].is_object()) {
    for (const auto& [key, item] : value["annotations"].items()) {
      if (item.is_string()) (*descriptor.mutable_annotations())[key] = item.get<std::string>();
    }
  }
  return descriptor;
}

}  // namespace

bool IsIndex(const std::string& media_type) {
  return media_type == kOciIndex || media_type == kDockerManifestList;
}

bool IsManifest(const std::string& media_type) {
  return media_type == kOciManifest || media_type == kDockerManifest;
}

absl::StatusOr<std::string> ClassifyManifest(const std::string& content_type,
                                             const std::string& body) {
  std::string type = content_type;
  json document = json::parse(body, nullptr, false);
  if (document.is_object()) {
    if (document.value("schemaVersion", 0) == 1) type = kDockerSchema1;
    std::string declared = document.value("mediaType", "");
    if (!IsIndex(type) && !IsManifest(type) && !declared.empty()) type = declared;
    if (!IsIndex(type) && !IsManifest(type) && declared.empty()) {
      // OCI allows omitting mediaType: tell by shape.
      if (document.contains("manifests")) type = kOciIndex;
      if (document.contains("config") && document.contains("layers")) type = kOciManifest;
    }
  }
  if (type == kDockerSchema1 || type == kDockerSchema1Signed) {
    return absl::InvalidArgumentError(
        "Docker Image manifest version 2, schema 1 is not supported: the registry should serve "
        "schema 2 or OCI; push the image again with a current client");
  }
  if (!IsIndex(type) && !IsManifest(type)) {
    return absl::InvalidArgumentError(absl::StrCat("unsupported manifest type \"", type, "\""));
  }
  return type;
}

absl::StatusOr<Index> ParseIndex(const std::string& body) {
  auto document = ParseJson(body, "index");
  if (!document.ok()) return document.status();
  if (!(*document).contains("manifests") || !(*document)["manifests"].is_array()) {
    return absl::InvalidArgumentError("index: no manifests");
  }
  Index index;
  index.media_type = document->value("mediaType", std::string(kOciIndex));
  for (const json& item : (*document)["manifests"]) {
    auto descriptor = ParseDescriptor(item, "index");
    if (!descriptor.ok()) return descriptor.status();
    index.manifests.push_back(*std::move(descriptor));
  }
  return index;
}

absl::StatusOr<Manifest> ParseManifest(const std::string& body) {
  auto document = ParseJson(body, "manifest");
  if (!document.ok()) return document.status();
  if (document->value("schemaVersion", 0) != 2) {
    return absl::InvalidArgumentError("manifest: schemaVersion is not 2");
  }
  Manifest manifest;
  manifest.media_type = document->value("mediaType", std::string(kOciManifest));
  if (!(*document).contains("config")) return absl::InvalidArgumentError("manifest: no config");
  auto config = ParseDescriptor((*document)["config"], "manifest config");
  if (!config.ok()) return config.status();
  manifest.config = *std::move(config);
  if (!(*document).contains("layers") || !(*document)["layers"].is_array()) {
    return absl::InvalidArgumentError("manifest: no layers");
  }
  for (const json& item : (*document)["layers"]) {
    auto layer = ParseDescriptor(item, "manifest layer");
    if (!layer.ok()) return layer.status();
    const std::string& type = layer->media_type();
    if (type != kOciLayer && type != kOciLayerGzip && type != kOciLayerZstd &&
        type != kDockerLayerGzip && type != kDockerForeignLayer &&
        type != "application/vnd.oci.image.layer.nondistributable.v1.tar+gzip") {
      return absl::InvalidArgumentError(
          absl::StrCat("manifest: layer ", layer->digest(), " has unsupported media type \"",
                       type, "\""));
    }
    manifest.layers.push_back(*std::move(layer));
  }
  return manifest;
}

absl::StatusOr<ImageConfig> ParseConfig(const std::string& body) {
  auto document = ParseJson(body, "image config");
  if (!document.ok()) return document.status();
  ImageConfig config;
  config.json = body;
  config.platform.set_os(document->value("os", ""));
  config.platform.set_architecture(document->value("architecture", ""));
  config.platform.set_variant(document->value("variant", ""));
  if (auto created = document->find("created"); created != document->end() && created->is_string()) {
    absl::Time time;
    std::string error;
    if (absl::ParseTime(absl::RFC3339_full, created->get<std::string>(), &time, &error)) {
      config.created = absl::ToUnixSeconds(time);
    }
  }
  if (!(*document).contains("rootfs") || !(*document)["rootfs"].is_object() ||
      !(*document)["rootfs"].contains("diff_ids") ||
      !(*document)["rootfs"]["diff_ids"].is_array()) {
    return absl::InvalidArgumentError("image config: no rootfs.diff_ids");
  }
  for (const json& id : (*document)["rootfs"]["diff_ids"]) {
    if (!id.is_string() || !DigestHex(id.get<std::string>()).ok()) {
      return absl::InvalidArgumentError("image config: invalid diff id");
    }
    config.diff_ids.push_back(id.get<std::string>());
  }
  return config;
}

Platform HostPlatform() {
  Platform platform;
  platform.set_os("linux");
  platform.set_architecture(host::OciArchitecture());
  if (platform.architecture() == "arm64") platform.set_variant("v8");
  return platform;
}

absl::StatusOr<Platform> ParsePlatform(const std::string& text) {
  std::vector<std::string> parts = absl::StrSplit(text, '/');
  if (parts.size() < 2 || parts.size() > 3 || parts[0].empty() || parts[1].empty()) {
    return absl::InvalidArgumentError(
        absl::StrCat("invalid platform \"", text, "\" (want os/arch[/variant])"));
  }
  Platform platform;
  platform.set_os(parts[0]);
  platform.set_architecture(parts[1] == "x86_64" ? "amd64" : parts[1] == "aarch64" ? "arm64" : parts[1]);
  if (parts.size() == 3) platform.set_variant(parts[2]);
  return platform;
}

std::string PlatformString(const Platform& platform) {
  std::string text = platform.os() + "/" + platform.architecture();
  if (!platform.variant().empty()) text += "/" + platform.variant();
  return text;
}

absl::StatusOr<Descriptor> SelectManifest(const Index& index, const Platform& want) {
  const Descriptor* fallback = nullptr;
  std::vector<std::string> available;
  for (const Descriptor& descriptor : index.manifests) {
    const Platform& have = descriptor.platform();
    if (have.os().empty()) continue;  // Attestations and the like.
    available.push_back(PlatformString(have));
    if (have.os() != want.os() || have.architecture() != want.architecture()) continue;
    if (want.variant().empty() || have.variant() == want.variant()) return descriptor;
    if (fallback == nullptr && have.variant().empty()) fallback = &descriptor;
  }
  if (fallback != nullptr) return *fallback;
  return absl::NotFoundError(absl::StrCat("no matching manifest for ", PlatformString(want),
                                          " in the manifest list entries (available: ",
                                          absl::StrJoin(available, ", "), ")"));
}

std::vector<std::string> ChainIds(const std::vector<std::string>& diff_ids) {
  std::vector<std::string> chain;
  for (const std::string& diff_id : diff_ids) {
    chain.push_back(chain.empty() ? diff_id : Sha256::Of(chain.back() + " " + diff_id));
  }
  return chain;
}

}  // namespace berth::images
