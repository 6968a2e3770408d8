#ifndef BERTH_SERVICES_SNAPSHOTS_FS_UTIL_H_
#define BERTH_SERVICES_SNAPSHOTS_FS_UTIL_H_

#include "services/common/fs/fs_util.h"

namespace berth::snapshots {

using fs::CopyTree;
using fs::DiskUsage;
using fs::DiskUsageWithInodes;
using fs::RandomHex;
using fs::RemoveAll;

}  // namespace berth::snapshots

#endif  // BERTH_SERVICES_SNAPSHOTS_FS_UTIL_H_
