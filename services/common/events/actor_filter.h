#ifndef BERTH_SERVICES_COMMON_EVENTS_ACTOR_FILTER_H_
#define BERTH_SERVICES_COMMON_EVENTS_ACTOR_FILTER_H_

// docker events filters over one event of an object (docker's Actor): the
// keys are ANDed, the values of one key ORed, as dockerd's events filter.

#include <map>
#include <string>
#include <vector>

#include <google/protobuf/map.h>

namespace berth::events {

using FilterLists = std::map<std::string, std::vector<std::string>>;

// type: "volume", "network"...; the filter key of that name matches the
// id or the name attribute, exactly or as a prefix; event=/action= the
// action; type= the type; label=K[=V] an attribute. Keys of other object
// types (container=, image=...) match nothing.
bool ActorMatches(const std::string& type, const std::string& id, const std::string& action,
                  const google::protobuf::Map<std::string, std::string>& attributes,
                  const FilterLists& filters);

// A service's map<string, FilterValues> as plain lists.
template <typename FilterMap>
FilterLists ToFilterLists(const FilterMap& filters) {
  FilterLists lists;
  for (const auto& [key, values] : filters) {
    lists[key].assign(values.values().begin(), values.values().end());
  }
  return lists;
}

}  // namespace berth::events

#endif  // BERTH_SERVICES_COMMON_EVENTS_ACTOR_FILTER_H_
