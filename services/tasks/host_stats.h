#ifndef BERTH_SERVICES_TASKS_HOST_STATS_H_
#define BERTH_SERVICES_TASKS_HOST_STATS_H_

// What docker stats and top need from the host: total CPU time (for CPU %),
// memory size (the limit of an unlimited container), and `ps` output cut
// down to a container's processes.

#include <cstdint>
#include <set>
#include <string>
#include <vector>

#include "absl/status/statusor.h"
#include "berth/tasks/v1/tasks.pb.h"

namespace berth::tasks {

// The first line of /proc/stat in nanoseconds, as docker's system_cpu_usage.
uint64_t SystemCpuUsageNanos();
int64_t HostMemoryBytes();

// Runs `ps ARGS` on the host; the header becomes titles.
absl::StatusOr<v1::TopResponse> RunPs(const std::vector<std::string>& args);
// Keeps the rows whose PID column is in pids (docker top's rule).
absl::StatusOr<v1::TopResponse> FilterPsTable(const v1::TopResponse& table,
                                              const std::set<int>& pids);

}  // namespace berth::tasks

#endif  // BERTH_SERVICES_TASKS_HOST_STATS_H_
