#ifndef BERTH_SERVICES_TASKS_SCHEMA_H_
#define BERTH_SERVICES_TASKS_SCHEMA_H_

#include <vector>

#include "services/common/store/database.h"

namespace berth::tasks {

// The tasks database: container records (their spec as a serialised
// ContainerSpec) and the last known state of their tasks.
const std::vector<store::Migration>& Migrations();

}  // namespace berth::tasks

#endif  // BERTH_SERVICES_TASKS_SCHEMA_H_
