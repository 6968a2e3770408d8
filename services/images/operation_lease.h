#ifndef BERTH_SERVICES_IMAGES_OPERATION_LEASE_H_
#define BERTH_SERVICES_IMAGES_OPERATION_LEASE_H_

// The lease of one operation of the images service (a pull, an import, a
// load): what it holds, garbage collection keeps, so a prune can run beside
// it; it is deleted when the operation ends (and, for one that died with
// its process, when the service starts again: ids carry the kind as prefix).
//
// Each hold is taken under the operations lock that collection takes
// exclusively: a collection sees a hold whole, or runs before it and then
// finds nothing of it yet (what is held is held before it is written).

#include <memory>
#include <string>
#include <vector>

#include "absl/status/statusor.h"
#include "absl/synchronization/mutex.h"
#include "services/images/leases.h"

namespace berth::images {

class OperationLease {
 public:
  // kind: "pull", "import", "load" (the id's prefix).
  static absl::StatusOr<std::unique_ptr<OperationLease>> Begin(Leases* leases,
                                                               absl::Mutex* operations,
                                                               const std::string& kind);
  ~OperationLease();
  OperationLease(const OperationLease&) = delete;
  OperationLease& operator=(const OperationLease&) = delete;

  absl::Status Hold(const std::vector<std::string>& digests,
                    const std::vector<std::string>& snapshot_keys = {});

  // The prefixes of the operations' lease ids, for the clean-up at start.
  static const std::vector<std::string>& Prefixes();

 private:
  OperationLease(Leases* leases, absl::Mutex* operations, std::string id)
      : leases_(leases), operations_(operations), id_(std::move(id)) {}

  Leases* leases_;
  absl::Mutex* operations_;
  std::string id_;
};

}  // namespace berth::images

#endif  // BERTH_SERVICES_IMAGES_OPERATION_LEASE_H_
