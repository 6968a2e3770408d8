#ifndef BERTH_SERVICES_NETWORK_NETWORK_FILTERS_H_
#define BERTH_SERVICES_NETWORK_NETWORK_FILTERS_H_

// docker's filters over networks, as dockerd applies them: `network ls`
// (name=, id= as regular expressions, driver=, scope=, label=K[=V],
// type=custom|builtin, dangling=true|false) and `network prune` (until=,
// label=, label!=). An unknown key is docker's "invalid filter 'KEY'"
// (InvalidArgument), never ignored.

#include <string>

#include "absl/status/statusor.h"
#include "absl/time/time.h"
#include "berth/network/v1/network.pb.h"

namespace berth::network {

using NetworkFilters = google::protobuf::Map<std::string, v1::FilterValues>;

// bridge, host, none: docker's pre-defined networks.
bool IsPredefinedNetwork(const std::string& name);

// Checks the keys and values of a List request.
absl::Status CheckListFilters(const NetworkFilters& filters);
// A network (with its attached containers) against checked List filters.
bool ListFilterMatches(const v1::Network& network, const NetworkFilters& filters);

// A Prune request's filters, checked and parsed (until= against now).
struct PruneFilter {
  NetworkFilters labels;
  absl::Time until = absl::InfiniteFuture();
};
absl::StatusOr<PruneFilter> ParsePruneFilters(const NetworkFilters& filters, absl::Time now);
// Whether an unused, not pre-defined network is pruned under the filter.
bool PruneFilterMatches(const v1::Network& network, const PruneFilter& filter);

}  // namespace berth::network

#endif  // BERTH_SERVICES_NETWORK_NETWORK_FILTERS_H_
