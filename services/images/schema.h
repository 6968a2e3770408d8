#ifndef BERTH_SERVICES_IMAGES_SCHEMA_H_
#define BERTH_SERVICES_IMAGES_SCHEMA_H_

#include <vector>

#include "services/common/store/database.h"

namespace berth::images {

// The images database: names → targets, the content they reference, and
// leases that hold content during an operation.
const std::vector<store::Migration>& Migrations();

}  // namespace berth::images

#endif  // BERTH_SERVICES_IMAGES_SCHEMA_H_
