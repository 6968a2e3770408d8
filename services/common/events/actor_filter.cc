#include "services/common/events/actor_filter.h"

#include "absl/strings/match.h"

namespace berth::events {
namespace {

bool LabelMatches(const google::protobuf::Map<std::string, std::string>& attributes,
                  const std::string& value) {
  size_t eq = value.find('=');
  auto it = attributes.find(value.substr(0, eq));
  return it != attributes.end() && (eq == std::string::npos || it->second == value.substr(eq + 1));
}

}  // namespace

bool ActorMatches(const std::string& type, const std::string& id, const std::string& action,
                  const google::protobuf::Map<std::string, std::string>& attributes,
                  const FilterLists& filters) {
  auto name_it = attributes.find("name");
  std::string name = name_it == attributes.end() ? "" : name_it->second;
  for (const auto& [key, values] : filters) {
    bool any = false;
    for (const std::string& value : values) {
      if (key == type) {
        any |= absl::StartsWith(id, value) || (!name.empty() && absl::StartsWith(name, value));
      } else if (key == "event" || key == "action") {
        any |= action == value;
      } else if (key == "type") {
        any |= value == type;
      } else if (key == "label") {
        any |= LabelMatches(attributes, value);
      } else if (key == "scope") {
        any |= value == "local";
      }
    }
    if (!any) return false;
  }
  return true;
}

}  // namespace berth::events
