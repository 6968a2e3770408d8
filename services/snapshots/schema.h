#ifndef BERTH_SERVICES_SNAPSHOTS_SCHEMA_H_
#define BERTH_SERVICES_SNAPSHOTS_SCHEMA_H_

#include <vector>

#include "services/common/store/database.h"

namespace berth::snapshots {

// The snapshots database: snapshots (layers and container filesystems) and
// local volumes with the containers that use them.
const std::vector<store::Migration>& Migrations();

}  // namespace berth::snapshots

#endif  // BERTH_SERVICES_SNAPSHOTS_SCHEMA_H_
