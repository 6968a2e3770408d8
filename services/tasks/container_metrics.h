#ifndef BERTH_SERVICES_TASKS_CONTAINER_METRICS_H_
#define BERTH_SERVICES_TASKS_CONTAINER_METRICS_H_

// Per-container series with cAdvisor's names and labels (id, name, image),
// read from every running container's shim at scrape time, so that
// existing dashboards work. A removed container's series are gone at the
// next scrape.

#include <vector>

#include "services/common/metrics/model.h"
#include "services/tasks/container_store.h"
#include "services/tasks/task_manager.h"

namespace berth::tasks {

void CollectContainerMetrics(const ContainerStore& store, TaskManager& tasks,
                             std::vector<metrics::MetricFamily>* out);

}  // namespace berth::tasks

#endif  // BERTH_SERVICES_TASKS_CONTAINER_METRICS_H_
