#ifndef BERTH_SERVICES_CRI_SCHEMA_H_
#define BERTH_SERVICES_CRI_SCHEMA_H_

#include <vector>

#include "services/common/store/database.h"

namespace berth::cri {

// The CRI's database: what the kubelet told it (runtime settings) and its
// pod sandboxes. Containers are the tasks service's, found by their labels.
const std::vector<store::Migration>& Migrations();

}  // namespace berth::cri

#endif  // BERTH_SERVICES_CRI_SCHEMA_H_
