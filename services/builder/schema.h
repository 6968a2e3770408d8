#ifndef BERTH_SERVICES_BUILDER_SCHEMA_H_
#define BERTH_SERVICES_BUILDER_SCHEMA_H_

#include <vector>

#include "services/common/store/database.h"

namespace berth::builder {

// The builder's database: the build cache and the intermediate containers
// a build has made and not yet removed.
const std::vector<store::Migration>& Migrations();

}  // namespace berth::builder

#endif  // BERTH_SERVICES_BUILDER_SCHEMA_H_
