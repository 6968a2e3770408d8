#include "services/images/operation_lease.h"

#include "absl/strings/str_cat.h"
#include "services/common/fs/fs_util.h"

namespace berth::images {

absl::StatusOr<std::unique_ptr<OperationLease>> OperationLease::Begin(Leases* leases,
                                                                      absl::Mutex* operations,
                                                                      const std::string& kind) {
  // An hour: longer than any pull of a sane image; a lease left by a dead
  // client-side process expires, and the service's own go at its start.
  auto created = leases->Create(absl::StrCat(kind, "-", fs::RandomHex(12)), absl::Hours(1));
  if (!created.ok()) return created.status();
  return std::unique_ptr<OperationLease>(new OperationLease(leases, operations, created->id));
}

OperationLease::~OperationLease() { (void)leases_->Delete(id_); }

absl::Status OperationLease::Hold(const std::vector<std::string>& digests,
                                  const std::vector<std::string>& snapshot_keys) {
  absl::ReaderMutexLock operation(operations_);
  for (const std::string& digest : digests) {
    if (absl::Status status = leases_->AddContent(id_, digest); !status.ok()) return status;
  }
  for (const std::string& key : snapshot_keys) {
    if (absl::Status status = leases_->AddSnapshot(id_, key); !status.ok()) return status;
  }
  return absl::OkStatus();
}

const std::vector<std::string>& OperationLease::Prefixes() {
  static const auto* prefixes = new std::vector<std::string>{"pull-", "import-", "load-"};
  return *prefixes;
}

}  // namespace berth::images
