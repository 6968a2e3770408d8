#ifndef BERTH_SERVICES_TASKS_CONTAINER_STORE_H_
#define BERTH_SERVICES_TASKS_CONTAINER_STORE_H_

// The container records: every berth.tasks.v1.Container (its spec, its
// image, its paths and its last known state) in SQLite, mirrored in memory
// for lookups. Writes go to the database first; the memory copy changes
// only when the write committed.
//
// Each record belongs to a namespace (services/common/namespaces), as
// containerd's: what a client names (Resolve, List) is looked up in its
// namespace only, so another namespace's container is "No such container".
// Names stay unique across all namespaces (the CRI makes unique names).

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

  // By full id, name (with or without "/"), or id prefix unique in the
  // namespace, as docker; the containers of other namespaces are not there.
  absl::StatusOr<Container> Resolve(const std::string& ns, const std::string& ref) const;
  // By full id in any namespace: for ids this service recorded itself.
  std::optional<Container> Get(const std::string& id) const;
  // One namespace's, newest first.
  std::vector<Container> List(const std::string& ns) const;
  // Every namespace's, newest first: for the service's own work
  // (recovery, shutdown, metrics), never for a client's listing.
  std::vector<Container> All() const;
  // In any namespace: names are unique across all of them.
  bool NameInUse(const std::string& name) const;

 private:
  explicit ContainerStore(store::Database* db) : db_(db) {}
  std::vector<Container> Sorted(const std::string* ns) const;
  absl::Status Write(store::Database& db, const Container& container);

  store::Database* db_;
  mutable absl::Mutex mu_;
  std::map<std::string, Container> by_id_ ABSL_GUARDED_BY(mu_);
};

// docker's rule for names: [a-zA-Z0-9][a-zA-Z0-9_.-]+
bool ValidContainerName(const std::string& name);

}  // namespace berth::tasks

#endif  // BERTH_SERVICES_TASKS_CONTAINER_STORE_H_
