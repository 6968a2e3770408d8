// --device, --device-cgroup-rule and --gpus, with docker's CLI rules.

#include "cli/commands/container_parse.h"

#include <algorithm>

#include "absl/strings/numbers.h"
#include "absl/strings/str_cat.h"
#include "absl/strings/str_split.h"
#include "shim/cgroup/devices.h"

namespace berth::cli {
namespace {

// r, w, m, each at most once.
bool ValidDeviceMode(const std::string& mode) {
  if (mode.empty()) return false;
  std::string seen;
  for (char c : mode) {
    if ((c != 'r' && c != 'w' && c != 'm') || seen.find(c) != std::string::npos) return false;
    seen += c;
  }
  return true;
}

bool IsAbsolute(const std::string& path) { return !path.empty() && path[0] == '/'; }

}  // namespace

absl::StatusOr<berth::tasks::v1::DeviceMapping> ParseDeviceFlag(const std::string& text) {
  std::vector<std::string> parts = absl::StrSplit(text, ':');
  if (parts.size() > 3 || parts[0].empty()) {
    return absl::InvalidArgumentError(absl::StrCat("bad format for path: ", text));
  }
  berth::tasks::v1::DeviceMapping device;
  device.set_path_on_host(parts[0]);
  std::string target = parts[0], mode = "rwm";
  if (parts.size() == 2) {
    // HOST:MODE or HOST:CONTAINER.
    if (ValidDeviceMode(parts[1])) {
      mode = parts[1];
    } else {
      target = parts[1];
    }
  } else if (parts.size() == 3) {
    target = parts[1];
    if (!ValidDeviceMode(parts[2])) {
      return absl::InvalidArgumentError(absl::StrCat("bad mode specified: ", parts[2]));
    }
    mode = parts[2];
  }
  if (!IsAbsolute(target)) {
    return absl::InvalidArgumentError(absl::StrCat(target, " is not an absolute path"));
  }
  device.set_path_in_container(target);
  device.set_cgroup_permissions(mode);
  return device;
}

absl::Status ValidateDeviceCgroupRule(const std::string& text) {
  return cgroup::ParseDeviceRule(text).status();
}

absl::StatusOr<berth::tasks::v1::DeviceRequest> ParseGpusFlag(const std::string& text) {
  berth::tasks::v1::DeviceRequest request;
  std::vector<std::string> seen;
  std::vector<std::string> capabilities;
  for (absl::string_view part : absl::StrSplit(text, ',')) {
    std::string field(part);
    std::pair<std::string, std::string> kv = absl::StrSplit(field, absl::MaxSplits('=', 1));
    bool with_value = field.find('=') != std::string::npos;
    const std::string& key = kv.first;
    if (std::find(seen.begin(), seen.end(), key) != seen.end()) {
      return absl::InvalidArgumentError(absl::StrCat("gpu request key '", key, "' can be specified only once"));
    }
    seen.push_back(key);
    if (!with_value) {
      seen.push_back("count");
      int count = 0;
      if (key == "all") {
        request.set_count(-1);
      } else if (absl::SimpleAtoi(key, &count)) {
        request.set_count(count);
      } else {
        return absl::InvalidArgumentError(absl::StrCat("invalid count (", key, ")"));
      }
      continue;
    }
    const std::string& value = kv.second;
    if (key == "driver") {
      request.set_driver(value);
    } else if (key == "count") {
      int count = 0;
      if (value == "all") {
        request.set_count(-1);
      } else if (absl::SimpleAtoi(value, &count)) {
        request.set_count(count);
      } else {
        return absl::InvalidArgumentError(absl::StrCat("invalid count (", value, ")"));
      }
    } else if (key == "device") {
      for (absl::string_view id : absl::StrSplit(value, ',')) request.add_device_ids(std::string(id));
    } else if (key == "capabilities") {
      capabilities = absl::StrSplit(value, ',');
    } else if (key == "options") {
      for (absl::string_view option : absl::StrSplit(value, ',', absl::SkipEmpty())) {
        std::pair<std::string, std::string> pair = absl::StrSplit(option, absl::MaxSplits('=', 1));
        (*request.mutable_options())[pair.first] = pair.second;
      }
    } else {
      return absl::InvalidArgumentError(absl::StrCat("unexpected key '", key, "' in '", field, "'"));
    }
  }
  capabilities.push_back("gpu");
  for (const std::string& capability : capabilities) request.add_capabilities(capability);
  return request;
}

}  // namespace berth::cli
