#ifndef BERTH_SERVICES_BUILDER_INTERMEDIATE_CONTAINERS_H_
#define BERTH_SERVICES_BUILDER_INTERMEDIATE_CONTAINERS_H_

// The containers RUN steps make. Each is recorded before it is created and
// forgotten once removed, so that a builder killed mid-step removes what
// it left at its next start (RemoveLeftovers), and no intermediate
// container runs on.

#include <string>

#include "absl/status/status.h"
#include "services/builder/backends.h"
#include "services/common/store/database.h"

namespace berth::builder {

class IntermediateContainers {
 public:
  IntermediateContainers(store::Database* db, Backends* backends)
      : db_(db), backends_(backends) {}

  absl::Status Remember(const std::string& ns, const std::string& name);
  // rm -f; forgotten once the tasks service has no such container.
  absl::Status Remove(const std::string& ns, const std::string& name);
  // At start: every container a killed build left.
  void RemoveLeftovers();

 private:
  store::Database* db_;
  Backends* backends_;
};

}  // namespace berth::builder

#endif  // BERTH_SERVICES_BUILDER_INTERMEDIATE_CONTAINERS_H_
