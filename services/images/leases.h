#ifndef BERTH_SERVICES_IMAGES_LEASES_H_
#define BERTH_SERVICES_IMAGES_LEASES_H_

// Leases, as containerd has them: an operation holds the content and
// snapshots it writes or relies on against garbage collection until it
// deletes its lease: a pull (everything its image needs, before it looks
// for it), a commit (WriteContent of a layer, then Create). A lease expires (24 h by default) so that a
// client that died does not hold its content for ever.

#include <cstdint>
#include <set>
#include <string>

#include "absl/status/statusor.h"
#include "absl/time/time.h"
#include "services/common/store/database.h"

namespace berth::images {

struct LeaseInfo {
  std::string id;
  absl::Time created_at;
  absl::Time expires_at;
};

class Leases {
 public:
  explicit Leases(store::Database* db) : db_(db) {}

  // An empty id gets a random one; expire_after <= 0 means the default.
  absl::StatusOr<LeaseInfo> Create(const std::string& id, absl::Duration expire_after);
  absl::Status Delete(const std::string& id);
  // Fails when the lease does not exist or has expired.
  absl::Status AddContent(const std::string& id, const std::string& digest);
  // A snapshot (by key) too: a pull's layer snapshots and its unpacking one.
  absl::Status AddSnapshot(const std::string& id, const std::string& key);
  // What the leases that have not expired hold; expired ones are dropped.
  absl::StatusOr<std::set<std::string>> HeldContent();
  absl::StatusOr<std::set<std::string>> HeldSnapshots();
  // Leases whose id starts with prefix go (a restarted service's pulls
  // died with its previous process).
  absl::Status DeleteWithPrefix(const std::string& prefix);

  static constexpr absl::Duration kDefaultExpiry = absl::Hours(24);

 private:
  store::Database* db_;
};

}  // namespace berth::images

#endif  // BERTH_SERVICES_IMAGES_LEASES_H_
