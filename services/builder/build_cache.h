#ifndef BERTH_SERVICES_BUILDER_BUILD_CACHE_H_
#define BERTH_SERVICES_BUILDER_BUILD_CACHE_H_

// The classic builder's cache: a step is reused when an earlier build made
// an image from the same parent with the same step (instruction, the
// configuration it ran with and, for COPY/ADD, the sources' checksum). Kept
// in the builder's database, so it survives restarts; an entry whose image
// is gone is simply a miss.

#include <cstdint>
#include <optional>
#include <string>

#include "absl/status/statusor.h"
#include "services/common/store/database.h"

namespace berth::builder {

class BuildCache {
 public:
  explicit BuildCache(store::Database* db) : db_(db) {}

  absl::StatusOr<std::optional<std::string>> Lookup(const std::string& ns,
                                                    const std::string& parent,
                                                    const std::string& step_key);
  absl::Status Record(const std::string& ns, const std::string& parent,
                      const std::string& step_key, const std::string& image_id);
  absl::Status Forget(const std::string& ns, const std::string& parent,
                      const std::string& step_key);
  // Namespace ns's entries older than `older_than_seconds` (0: all); how
  // many went.
  absl::StatusOr<int64_t> Prune(const std::string& ns, int64_t older_than_seconds);
  absl::StatusOr<int64_t> Count();

 private:
  store::Database* db_;
};

}  // namespace berth::builder

#endif  // BERTH_SERVICES_BUILDER_BUILD_CACHE_H_
