#ifndef BERTH_SERVICES_TASKS_CONTAINER_STORE_H_
#define BERTH_SERVICES_TASKS_CONTAINER_STORE_H_

// The container records: every berth.tasks.v1.Container (its spec, its
// image, its paths and its last known state) in SQLite, mirrored in memory
// for lookups. Writes go to the database first; the memory copy changes
// only when the write committed.

#include <map>
#include <memory>
#include <optional>
#include <string>
#include <vector>

#include "absl/status/statusor.h"
#include "absl/synchronization/mutex.h"
#include "berth/tasks/v1/tasks.pb.h"
#include "services/common/store/database.h"

namespace berth::tasks {

using berth::tasks::v1::Container;

class ContainerStore {
 public:
  static absl::StatusOr<std::unique_ptr<ContainerStore>> Open(store::Database* db);

  // AlreadyExists (docker's conflict message) when the name is taken.
  absl::Status Insert(const Container& container);
  // Replaces the record of container.id().
  absl::Status Put(const Container& container);
  // Changes one record: mutate runs on a copy, which is stored if it
  // returns OK. NotFound when the container is gone.
  absl::StatusOr<Container> Update(const std::string& id,
                                   const std::function<absl::Status(Container&)>& mutate);
  absl::Status Remove(const std::string& id);
  absl::Status Rename(const std::string& id, const std::string& new_name);

  // By full id, name (with or without "/"), or unique id prefix, as docker.
  absl::StatusOr<Container> Resolve(const std::string& ref) const;
  std::optional<Container> Get(const std::string& id) const;
  // Newest first.
  std::vector<Container> All() const;
  bool NameInUse(const std::string& name) const;

 private:
  explicit ContainerStore(store::Database* db) : db_(db) {}
  absl::Status Write(store::Database& db, const Container& container);

  store::Database* db_;
  mutable absl::Mutex mu_;
  std::map<std::string, Container> by_id_ ABSL_GUARDED_BY(mu_);
};

// docker's rule for names: [a-zA-Z0-9][a-zA-Z0-9_.-]+
bool ValidContainerName(const std::string& name);

}  // namespace berth::tasks

#endif  // BERTH_SERVICES_TASKS_CONTAINER_STORE_H_
