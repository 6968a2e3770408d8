#include "services/builder/intermediate_containers.h"

#include <chrono>
#include <utility>
#include <vector>

#include "services/common/base/log.h"

namespace berth::builder {

absl::Status IntermediateContainers::Remember(const std::string& ns, const std::string& name) {
  return db_->Run("INSERT OR IGNORE INTO build_containers(namespace, name) VALUES (?, ?)", ns,
                  name);
}

absl::Status IntermediateContainers::Remove(const std::string& ns, const std::string& name) {
  berth::tasks::v1::DeleteContainerRequest request;
  request.set_id(name);
  request.set_force(true);
  request.set_remove_volumes(true);
  berth::tasks::v1::DeleteContainerResponse response;
  auto context = CallIn(ns);
  // At start the tasks service may still be starting.
  context->set_wait_for_ready(true);
  context->set_deadline(std::chrono::system_clock::now() + std::chrono::seconds(60));
  grpc::Status status = backends_->containers->Delete(context.get(), request, &response);
  if (!status.ok() && status.error_code() != grpc::StatusCode::NOT_FOUND) {
    return FromGrpc(status, "remove intermediate container " + name);
  }
  return db_->Run("DELETE FROM build_containers WHERE namespace = ? AND name = ?", ns, name);
}

void IntermediateContainers::RemoveLeftovers() {
  auto statement = db_->Prepare("SELECT namespace, name FROM build_containers");
  if (!statement.ok()) return;
  std::vector<std::pair<std::string, std::string>> left;
  while (true) {
    auto row = statement->Step();
    if (!row.ok() || !*row) break;
    left.emplace_back(statement->ColumnText(0), statement->ColumnText(1));
  }
  for (const auto& [ns, name] : left) {
    if (absl::Status removed = Remove(ns, name); !removed.ok()) {
      BERTH_LOG(Warn) << removed.message();
    } else {
      BERTH_LOG(Info) << "removed intermediate container " << name << " of an interrupted build";
    }
  }
}

}  // namespace berth::builder
