#ifndef BERTH_SERVICES_CRI_POD_STORE_H_
#define BERTH_SERVICES_CRI_POD_STORE_H_

// The pod sandboxes berth-cri runs: each one's id, the config the kubelet
// sent, its state and the tasks container that holds its namespaces. Kept
// in berth-cri's SQLite so that a restarted berth-cri knows its pods.

#include <cstdint>
#include <optional>
#include <string>
#include <vector>

#include "absl/status/statusor.h"
#include "k8s/cri/runtime/v1/api.pb.h"
#include "services/common/store/database.h"

namespace berth::cri {

struct PodRecord {
  std::string id;
  std::string holder_id;
  runtime::v1::PodSandboxState state = runtime::v1::SANDBOX_NOTREADY;
  int64_t created_at_ns = 0;
  runtime::v1::PodSandboxConfig config;
};

class PodStore {
 public:
  explicit PodStore(store::Database* db) : db_(db) {}

  absl::Status Insert(const PodRecord& pod);
  absl::Status SetHolder(const std::string& id, const std::string& holder_id);
  absl::Status SetState(const std::string& id, runtime::v1::PodSandboxState state);
  absl::Status Remove(const std::string& id);
  // NOT_FOUND when there is no such pod.
  absl::StatusOr<PodRecord> Get(const std::string& id) const;
  // Oldest first.
  absl::StatusOr<std::vector<PodRecord>> List() const;

 private:
  store::Database* db_;
};

}  // namespace berth::cri

#endif  // BERTH_SERVICES_CRI_POD_STORE_H_
