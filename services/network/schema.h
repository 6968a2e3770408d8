#ifndef BERTH_SERVICES_NETWORK_SCHEMA_H_
#define BERTH_SERVICES_NETWORK_SCHEMA_H_

#include <vector>

#include "services/common/store/database.h"

namespace berth::network {

// The network database: networks, sandboxes (network namespaces) and the
// endpoints that attach one to the other.
const std::vector<store::Migration>& Migrations();

}  // namespace berth::network

#endif  // BERTH_SERVICES_NETWORK_SCHEMA_H_
