#include "cli/commands/container_parse.h"

#include <cerrno>
#include <cstdlib>
#include <filesystem>
#include <set>

#include "absl/strings/ascii.h"
#include "absl/strings/match.h"
#include "absl/strings/str_cat.h"
#include "absl/strings/str_join.h"
#include "absl/strings/str_split.h"

namespace berth::cli {
namespace {

using berth::tasks::v1::MountSpec;

absl::Status Invalid(const std::string& message) { return absl::InvalidArgumentError(message); }

// Go's encoding/csv for one line: commas, with "quoted, fields".
std::vector<std::string> SplitCsv(const std::string& text) {
  std::vector<std::string> fields;
  std::string field;
  bool quoted = false;
  for (size_t i = 0; i < text.size(); ++i) {
    char c = text[i];
    if (quoted) {
      if (c == '"' && i + 1 < text.size() && text[i + 1] == '"') {
        field += '"';
        ++i;
      } else if (c == '"') {
        quoted = false;
      } else {
        field += c;
      }
    } else if (c == '"' && field.empty()) {
      quoted = true;
    } else if (c == ',') {
      fields.push_back(field);
      field.clear();
    } else {
      field += c;
    }
  }
  fields.push_back(field);
  return fields;
}

bool ValidVolumeMode(const std::string& mode) {
  if (mode.empty()) return true;
  static const std::set<std::string> kRw = {"rw", "ro"};
  static const std::set<std::string> kLabel = {"z", "Z"};
  static const std::set<std::string> kPropagation = {"shared", "rshared", "slave",
                                                     "rslave", "private", "rprivate"};
  static const std::set<std::string> kConsistency = {"consistent", "cached", "delegated"};
  int rw = 0, label = 0, propagation = 0, copy = 0, consistency = 0;
  for (const std::string& option : std::vector<std::string>(absl::StrSplit(mode, ','))) {
    if (kRw.count(option)) {
      ++rw;
    } else if (kLabel.count(option)) {
      ++label;
    } else if (kPropagation.count(option)) {
      ++propagation;
    } else if (option == "nocopy") {
      ++copy;
    } else if (kConsistency.count(option)) {
      ++consistency;
    } else {
      return false;
    }
  }
  return rw <= 1 && label <= 1 && propagation <= 1 && copy <= 1 && consistency <= 1;
}

// Go's filepath.Abs: joined to the working directory and cleaned.
std::string AbsolutePath(const std::string& relative) {
  std::error_code error;
  std::filesystem::path cwd = std::filesystem::current_path(error);
  if (error) return relative;
  std::string path = (cwd / relative).lexically_normal().string();
  if (path.size() > 1 && path.back() == '/') path.pop_back();
  return path;
}

}  // namespace

absl::StatusOr<MountSpec> ParseVolumeSpec(const std::string& text) {
  absl::Status invalid_spec = Invalid(absl::StrCat("invalid volume specification: '", text, "'"));
  std::vector<std::string> parts = absl::StrSplit(text, ':');
  if (parts[0].empty()) return invalid_spec;
  MountSpec mount;
  std::string mode;
  switch (parts.size()) {
    case 1:
      mount.set_destination(parts[0]);
      // docker puts `-v /path` in Config.Volumes, like an image's VOLUME.
      (*mount.mutable_volume_options())["config_volume"] = "true";
      break;
    case 2:
      // A destination and a mode is no volume: volumes have no mode.
      if (ValidVolumeMode(parts[1])) return invalid_spec;
      mount.set_source(parts[0]);
      mount.set_destination(parts[1]);
      break;
    case 3:
      mount.set_source(parts[0]);
      mount.set_destination(parts[1]);
      mode = parts[2];
      break;
    default:
      return invalid_spec;
  }
  if (!ValidVolumeMode(mode)) return Invalid(absl::StrCat("invalid mode: ", mode));
  // docker >= 23: a source starting with "." is a host path relative to the
  // working directory; a name is a volume.
  if (absl::StartsWith(mount.source(), ".")) mount.set_source(AbsolutePath(mount.source()));
  mount.set_type(absl::StartsWith(mount.source(), "/") ? "bind" : "volume");
  // -v makes a missing host directory, as docker's does (--mount refuses).
  if (mount.type() == "bind") (*mount.mutable_volume_options())["create_host_path"] = "true";
  if (!absl::StartsWith(mount.destination(), "/")) {
    return Invalid(absl::StrCat("invalid volume specification: '", text,
                                "': invalid mount config for type \"", mount.type(),
                                "\": invalid mount path: '", mount.destination(),
                                "' mount path must be absolute"));
  }
  if (mount.destination() == "/") {
    return Invalid(absl::StrCat("invalid volume specification: '", text,
                                "': invalid mount config for type \"", mount.type(),
                                "\": invalid specification: destination can't be '/'"));
  }
  for (const std::string& option : std::vector<std::string>(absl::StrSplit(mode, ',', absl::SkipEmpty()))) {
    if (option == "ro") mount.set_read_only(true);
    if (option == "nocopy") mount.add_options("nocopy");
    if (absl::StrContains(option, "shared") || absl::StrContains(option, "slave") ||
        absl::StrContains(option, "private")) {
      mount.set_propagation(option);
    }
  }
  mount.set_mode(mode);
  return mount;
}

absl::StatusOr<MountSpec> ParseMountFlag(const std::string& text) {
  MountSpec mount;
  mount.set_type("volume");
  // HostConfig.Mounts in docker's inspect, not Binds.
  (*mount.mutable_volume_options())["mount_flag"] = "true";
  for (const std::string& field : SplitCsv(text)) {
    size_t eq = field.find('=');
    std::string key = absl::AsciiStrToLower(field.substr(0, eq));
    if (eq == std::string::npos) {
      if (key == "readonly" || key == "ro") {
        mount.set_read_only(true);
        continue;
      }
      if (key == "volume-nocopy") {
        mount.add_options("nocopy");
        continue;
      }
      if (key == "bind-nonrecursive") {
        mount.add_options("bind-nonrecursive");
        continue;
      }
      return Invalid(absl::StrCat("invalid field '", field, "' must be a key=value pair"));
    }
    std::string value = field.substr(eq + 1);
    absl::Status bad_value = Invalid(absl::StrCat("invalid value for ", key, ": ", value));
    if (key == "type") {
      mount.set_type(value);
    } else if (key == "source" || key == "src") {
      mount.set_source(value);
    } else if (key == "target" || key == "dst" || key == "destination") {
      mount.set_destination(value);
    } else if (key == "readonly" || key == "ro") {
      auto flag = ParseGoBool(value);
      if (!flag.ok()) return bad_value;
      mount.set_read_only(*flag);
    } else if (key == "bind-propagation") {
      mount.set_propagation(value);
    } else if (key == "bind-nonrecursive" || key == "volume-nocopy") {
      auto flag = ParseGoBool(value);
      if (!flag.ok()) return bad_value;
      if (*flag) mount.add_options(key == "volume-nocopy" ? "nocopy" : key);
    } else if (key == "consistency" || key == "volume-label") {
      // Meaningless on Linux (consistency) or not kept by berth (labels).
    } else if (key == "volume-driver") {
      mount.set_driver(value);
    } else if (key == "volume-opt") {
      size_t opt_eq = value.find('=');
      if (opt_eq == std::string::npos) return bad_value;
      (*mount.mutable_volume_options())[value.substr(0, opt_eq)] = value.substr(opt_eq + 1);
    } else if (key == "tmpfs-size") {
      auto size = ParseMemoryBytes(value);
      if (!size.ok()) return bad_value;
      mount.set_tmpfs_size_bytes(*size);
    } else if (key == "tmpfs-mode") {
      char* end = nullptr;
      errno = 0;
      unsigned long mode = std::strtoul(value.c_str(), &end, 8);
      if (value.empty() || *end != '\0' || errno != 0 || mode > 07777) return bad_value;
      mount.add_options(absl::StrCat("mode=", value));
    } else {
      return Invalid(absl::StrCat("unexpected key '", key, "' in '", field, "'"));
    }
  }
  if (mount.destination().empty()) return Invalid("target is required");
  if (mount.type() != "bind" && mount.type() != "volume" && mount.type() != "tmpfs") {
    return Invalid(absl::StrCat("invalid mount type: ", mount.type()));
  }
  return mount;
}

absl::StatusOr<MountSpec> ParseTmpfsSpec(const std::string& text) {
  MountSpec mount;
  mount.set_type("tmpfs");
  // HostConfig.Tmpfs in docker's inspect, not one of the Mounts.
  (*mount.mutable_volume_options())["tmpfs_flag"] = "true";
  size_t colon = text.find(':');
  mount.set_destination(text.substr(0, colon));
  if (!absl::StartsWith(mount.destination(), "/")) {
    return Invalid(absl::StrCat("invalid mount config for type \"tmpfs\": invalid mount path: '",
                                mount.destination(), "' mount path must be absolute"));
  }
  if (colon != std::string::npos) {
    std::vector<std::string> options = absl::StrSplit(text.substr(colon + 1), ',', absl::SkipEmpty());
    for (const std::string& option : options) {
      mount.add_options(option);
      if (option == "ro") mount.set_read_only(true);
    }
  }
  return mount;
}

}  // namespace berth::cli
