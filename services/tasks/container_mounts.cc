#include "services/tasks/container_mounts.h"

#include <set>

#include "absl/strings/match.h"
#include "absl/strings/str_cat.h"
#include "absl/strings/str_join.h"
#include "absl/strings/str_split.h"
#include "nlohmann/json.hpp"

namespace berth::tasks {

bool IsMarker(const std::string& key) {
  static const std::set<std::string> kMarkers = {kAnonymousMarker, kCreateHostPathMarker,
                                                 kConfigVolumeMarker, kVolumesFromMarker,
                                                 kTmpfsFlagMarker, kMountFlagMarker};
  return kMarkers.count(key) > 0;
}

std::string CleanMountPath(const std::string& path) {
  std::vector<std::string> parts;
  for (absl::string_view part : absl::StrSplit(path, '/', absl::SkipEmpty())) {
    if (part == ".") continue;
    if (part == "..") {
      if (!parts.empty()) parts.pop_back();
      continue;
    }
    parts.emplace_back(part);
  }
  return "/" + absl::StrJoin(parts, "/");
}

std::vector<std::string> ImageVolumes(const std::string& image_config_json) {
  std::vector<std::string> volumes;
  nlohmann::json config = nlohmann::json::parse(image_config_json, nullptr, false);
  if (!config.is_object() || !config.contains("config") || !config["config"].is_object()) {
    return volumes;
  }
  const nlohmann::json& inner = config["config"];
  auto it = inner.find("Volumes");
  if (it == inner.end() || !it->is_object()) return volumes;
  for (const auto& [path, unused] : it->items()) volumes.push_back(path);
  return volumes;
}

absl::StatusOr<std::pair<std::string, std::string>> ParseVolumesFrom(const std::string& spec) {
  if (spec.empty()) {
    return absl::InvalidArgumentError("volumes-from specification cannot be an empty string");
  }
  size_t colon = spec.find(':');
  std::string id = spec.substr(0, colon);
  std::string mode = colon == std::string::npos ? "" : spec.substr(colon + 1);
  if (mode.empty()) return std::make_pair(id, std::string("rw"));
  // Only ro/rw (and the meaningless SELinux labels): propagation and copy
  // modes come from the original mounts.
  bool read_only = false;
  int rw = 0;
  for (absl::string_view option : absl::StrSplit(mode, ',')) {
    if (option == "ro" || option == "rw") {
      ++rw;
      read_only = option == "ro";
    } else if (option != "z" && option != "Z") {
      return absl::InvalidArgumentError(absl::StrCat("invalid mode: ", mode));
    }
  }
  if (rw > 1) return absl::InvalidArgumentError(absl::StrCat("invalid mode: ", mode));
  return std::make_pair(id, std::string(read_only ? "ro" : "rw"));
}

std::vector<v1::MountSpec> InheritedMounts(const std::vector<v1::MountSpec>& mounts,
                                           const std::string& mode) {
  std::vector<v1::MountSpec> inherited;
  for (const v1::MountSpec& mount : mounts) {
    if (mount.volume_options().count(kTmpfsFlagMarker) > 0) continue;
    v1::MountSpec copy = mount;
    copy.set_read_only(mount.read_only() || mode == "ro");
    copy.set_mode("");
    (*copy.mutable_volume_options())[kVolumesFromMarker] = "true";
    inherited.push_back(std::move(copy));
  }
  return inherited;
}

std::vector<v1::MountSpec> ComposeMounts(const std::vector<v1::MountSpec>& inherited,
                                         const std::vector<v1::MountSpec>& requested,
                                         const std::vector<std::string>& image_volumes) {
  // `-v /path` (docker's Config.Volumes) is an anonymous volume like an
  // image's VOLUME: a bind or named volume at the same path wins over it.
  auto config_volume = [](const v1::MountSpec& mount) {
    return mount.source().empty() && mount.type() == "volume" &&
           mount.volume_options().count(kConfigVolumeMarker) > 0;
  };
  std::set<std::string> requested_destinations;
  for (const v1::MountSpec& mount : requested) {
    if (!config_volume(mount)) requested_destinations.insert(CleanMountPath(mount.destination()));
  }
  std::vector<v1::MountSpec> mounts;
  std::set<std::string> taken;
  for (const v1::MountSpec& mount : inherited) {
    std::string destination = CleanMountPath(mount.destination());
    if (requested_destinations.count(destination) > 0 || !taken.insert(destination).second) {
      continue;
    }
    mounts.push_back(mount);
  }
  for (const v1::MountSpec& mount : requested) {
    if (config_volume(mount)) continue;
    taken.insert(CleanMountPath(mount.destination()));
    mounts.push_back(mount);
  }
  for (const v1::MountSpec& mount : requested) {
    if (config_volume(mount) && taken.insert(CleanMountPath(mount.destination())).second) {
      mounts.push_back(mount);
    }
  }
  for (const std::string& volume : image_volumes) {
    std::string destination = CleanMountPath(volume);
    if (!taken.insert(destination).second) continue;
    v1::MountSpec mount;
    mount.set_type("volume");
    mount.set_destination(destination);
    (*mount.mutable_volume_options())[kConfigVolumeMarker] = "true";
    mounts.push_back(std::move(mount));
  }
  return mounts;
}

}  // namespace berth::tasks
