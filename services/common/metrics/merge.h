#ifndef BERTH_SERVICES_COMMON_METRICS_MERGE_H_
#define BERTH_SERVICES_COMMON_METRICS_MERGE_H_

// Combining metric families from several sources into one exposition, as
// berthd does with its own registry and each service's scrape.

#include <string>
#include <vector>

#include "services/common/metrics/model.h"

namespace berth::metrics {

// One family per name, sorted by name: HELP and TYPE come from the first
// source that has the family. A later source whose type disagrees loses its
// samples of that family; a sample whose label set is already present is
// dropped too, since Prometheus rejects duplicate series.
std::vector<MetricFamily> MergeFamilies(std::vector<std::vector<MetricFamily>> sources);

// Prepends name=value to every sample that does not already have a label of
// that name (e.g. service="images" on everything a service reports).
void AddLabel(std::vector<MetricFamily>* families, const std::string& name,
              const std::string& value);

}  // namespace berth::metrics

#endif  // BERTH_SERVICES_COMMON_METRICS_MERGE_H_
