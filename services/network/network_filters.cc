#include "services/network/network_filters.h"

#include <set>

#include <re2/re2.h>

#include "absl/strings/str_cat.h"
#include "absl/strings/str_split.h"
#include "services/common/base/time_arg.h"

namespace berth::network {
namespace {

absl::Status InvalidFilter(const std::string& key) {
  return absl::InvalidArgumentError(absl::StrCat("invalid filter '", key, "'"));
}

absl::Status CheckKeys(const NetworkFilters& filters, const std::set<std::string>& known) {
  for (const auto& [key, values] : filters) {
    if (known.count(key) == 0) return InvalidFilter(key);
  }
  return absl::OkStatus();
}

const google::protobuf::RepeatedPtrField<std::string>* Values(const NetworkFilters& filters,
                                                               const std::string& key) {
  auto it = filters.find(key);
  if (it == filters.end() || it->second.values().empty()) return nullptr;
  return &it->second.values();
}

// docker's Args.Match: equal, or the value as a regular expression found
// in the text (Go's regexp, which RE2 is); a bad expression matches
// nothing.
bool MatchesAny(const google::protobuf::RepeatedPtrField<std::string>& values,
                const std::string& text) {
  for (const std::string& value : values) {
    if (value == text) return true;
    RE2 pattern(value, RE2::Quiet);
    if (pattern.ok() && RE2::PartialMatch(text, pattern)) return true;
  }
  return false;
}

// docker's Args.MatchKVList: every K or K=V given is among the labels.
bool MatchesAllLabels(const google::protobuf::RepeatedPtrField<std::string>& values,
                      const google::protobuf::Map<std::string, std::string>& labels) {
  if (labels.empty()) return false;
  for (const std::string& value : values) {
    std::vector<std::string> kv = absl::StrSplit(value, absl::MaxSplits('=', 1));
    auto it = labels.find(kv[0]);
    if (it == labels.end()) return false;
    if (kv.size() == 2 && it->second != kv[1]) return false;
  }
  return true;
}

}  // namespace

bool IsPredefinedNetwork(const std::string& name) {
  return name == "bridge" || name == "host" || name == "none" || name == "default";
}

absl::Status CheckListFilters(const NetworkFilters& filters) {
  if (absl::Status status = CheckKeys(filters, {"dangling", "driver", "id", "label", "name",
                                                "scope", "type"});
      !status.ok()) {
    return status;
  }
  if (const auto* dangling = Values(filters, "dangling")) {
    if (dangling->size() > 1) {
      return absl::InvalidArgumentError("got more than one value for filter key \"dangling\"");
    }
    const std::string& value = dangling->Get(0);
    if (value != "true" && value != "1" && value != "false" && value != "0") {
      return absl::InvalidArgumentError(
          "invalid value for filter 'dangling', must be \"true\" (or \"1\"), or \"false\" (or "
          "\"0\")");
    }
  }
  if (const auto* types = Values(filters, "type")) {
    for (const std::string& type : *types) {
      if (type != "custom" && type != "builtin") {
        return absl::InvalidArgumentError(absl::StrCat("invalid filter: 'type'='", type, "'"));
      }
    }
  }
  return absl::OkStatus();
}

bool ListFilterMatches(const v1::Network& network, const NetworkFilters& filters) {
  if (const auto* drivers = Values(filters, "driver")) {
    bool any = false;
    for (const std::string& driver : *drivers) any |= driver == network.driver();
    if (!any) return false;
  }
  if (const auto* scopes = Values(filters, "scope")) {
    std::string scope = network.scope().empty() ? "local" : network.scope();
    bool any = false;
    for (const std::string& value : *scopes) any |= value == scope;
    if (!any) return false;
  }
  if (const auto* names = Values(filters, "name"); names && !MatchesAny(*names, network.name())) {
    return false;
  }
  if (const auto* ids = Values(filters, "id"); ids && !MatchesAny(*ids, network.id())) return false;
  if (const auto* labels = Values(filters, "label");
      labels && !MatchesAllLabels(*labels, network.labels())) {
    return false;
  }
  bool predefined = IsPredefinedNetwork(network.name());
  if (const auto* dangling = Values(filters, "dangling")) {
    bool only_dangling = dangling->Get(0) == "true" || dangling->Get(0) == "1";
    bool unused = !predefined && network.containers().empty();
    if (unused != only_dangling) return false;
  }
  if (const auto* types = Values(filters, "type")) {
    bool any = false;
    for (const std::string& type : *types) any |= (type == "builtin") == predefined;
    if (!any) return false;
  }
  return true;
}

absl::StatusOr<PruneFilter> ParsePruneFilters(const NetworkFilters& filters, absl::Time now) {
  if (absl::Status status = CheckKeys(filters, {"label", "label!", "until"}); !status.ok()) {
    return status;
  }
  PruneFilter parsed;
  for (const auto& [key, values] : filters) {
    if (key != "until") {
      parsed.labels[key] = values;
      continue;
    }
    if (values.values_size() > 1) {
      return absl::InvalidArgumentError("more than one until filter specified");
    }
    if (values.values_size() == 1) {
      auto until = ParseTimeArg(values.values(0), now);
      if (!until.ok()) return until.status();
      parsed.until = *until;
    }
  }
  return parsed;
}

bool PruneFilterMatches(const v1::Network& network, const PruneFilter& filter) {
  if (network.has_created_at()) {
    absl::Time created = absl::FromUnixSeconds(network.created_at().seconds()) +
                         absl::Nanoseconds(network.created_at().nanos());
    if (created > filter.until) return false;
  }
  if (const auto* labels = Values(filter.labels, "label");
      labels && !MatchesAllLabels(*labels, network.labels())) {
    return false;
  }
  // label!: pruned unless it carries every label given (docker's rule).
  if (const auto* labels = Values(filter.labels, "label!");
      labels && MatchesAllLabels(*labels, network.labels())) {
    return false;
  }
  return true;
}

}  // namespace berth::network
