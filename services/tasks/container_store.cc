#include "services/tasks/container_store.h"

#include <algorithm>

#include "absl/strings/match.h"
#include "absl/strings/str_cat.h"
#include "absl/strings/strip.h"
#include "services/common/namespaces/namespace.h"

namespace berth::tasks {

bool ValidContainerName(const std::string& name) {
  if (name.size() < 2 || !std::isalnum(static_cast<unsigned char>(name[0]))) return false;
  return std::all_of(name.begin(), name.end(), [](char c) {
    return std::isalnum(static_cast<unsigned char>(c)) || c == '_' || c == '.' || c == '-';
  });
}

absl::StatusOr<std::unique_ptr<ContainerStore>> ContainerStore::Open(store::Database* db) {
  std::unique_ptr<ContainerStore> store(new ContainerStore(db));
  auto statement = db->Prepare("SELECT id, record FROM containers");
  if (!statement.ok()) return statement.status();
  absl::MutexLock lock(&store->mu_);
  while (true) {
    auto row = statement->Step();
    if (!row.ok()) return row.status();
    if (!*row) break;
    Container container;
    if (!container.ParseFromString(statement->ColumnBlob(1)) || container.id().empty()) {
      return absl::DataLossError(
          absl::StrCat("container ", statement->ColumnText(0), ": unreadable record"));
    }
    // Made before namespaces: the CLI's and the Docker API's.
    if (container.namespace_().empty()) container.set_namespace_(namespaces::kDefault);
    store->by_id_[container.id()] = std::move(container);
  }
  return store;
}

absl::Status ContainerStore::Write(store::Database& db, const Container& container) {
  return db.Run(
      "INSERT INTO containers (id, name, image, image_id, spec, snapshot_key, created_at, record) "
      "VALUES (?1, ?2, ?3, ?4, ?5, ?6, ?7, ?8) "
      "ON CONFLICT(id) DO UPDATE SET name = ?2, image = ?3, image_id = ?4, spec = ?5, "
      "snapshot_key = ?6, created_at = ?7, record = ?8",
      container.id(), container.name(), container.spec().image(), container.image_id(),
      container.spec().SerializeAsString(), container.snapshot_key(),
      static_cast<int64_t>(container.created_at().seconds()), container.SerializeAsString());
}

absl::Status ContainerStore::Insert(const Container& given) {
  Container container = given;
  if (container.namespace_().empty()) container.set_namespace_(namespaces::kDefault);
  absl::MutexLock lock(&mu_);
  for (const auto& [id, existing] : by_id_) {
    if (existing.name() == container.name()) {
      return absl::AlreadyExistsError(absl::StrCat(
          "Conflict. The container name \"/", container.name(), "\" is already in use by container \"",
          id, "\". You have to remove (or rename) that container to be able to reuse that name."));
    }
  }
  absl::Status status = db_->Transaction([&](store::Database& db) { return Write(db, container); });
  if (!status.ok()) return status;
  by_id_[container.id()] = container;
  return absl::OkStatus();
}

absl::Status ContainerStore::Put(const Container& container) {
  absl::MutexLock lock(&mu_);
  absl::Status status = db_->Transaction([&](store::Database& db) { return Write(db, container); });
  if (!status.ok()) return status;
  by_id_[container.id()] = container;
  return absl::OkStatus();
}

absl::StatusOr<Container> ContainerStore::Update(
    const std::string& id, const std::function<absl::Status(Container&)>& mutate) {
  absl::MutexLock lock(&mu_);
  auto it = by_id_.find(id);
  if (it == by_id_.end()) return absl::NotFoundError(absl::StrCat("No such container: ", id));
  Container copy = it->second;
  if (absl::Status status = mutate(copy); !status.ok()) return status;
  absl::Status status = db_->Transaction([&](store::Database& db) { return Write(db, copy); });
  if (!status.ok()) return status;
  it->second = copy;
  return copy;
}

absl::Status ContainerStore::Remove(const std::string& id) {
  absl::MutexLock lock(&mu_);
  absl::Status status = db_->Transaction([&](store::Database& db) {
    return db.Run("DELETE FROM containers WHERE id = ?1", id);
  });
  if (!status.ok()) return status;
  by_id_.erase(id);
  return absl::OkStatus();
}

absl::Status ContainerStore::Rename(const std::string& id, const std::string& new_name) {
  absl::MutexLock lock(&mu_);
  auto it = by_id_.find(id);
  if (it == by_id_.end()) return absl::NotFoundError(absl::StrCat("No such container: ", id));
  for (const auto& [other_id, other] : by_id_) {
    if (other.name() == new_name) {
      return absl::AlreadyExistsError(absl::StrCat(
          "Error when allocating new name: Conflict. The container name \"/", new_name,
          "\" is already in use by container \"", other_id,
          "\". You have to remove (or rename) that container to be able to reuse that name."));
    }
  }
  Container copy = it->second;
  copy.set_name(new_name);
  absl::Status status = db_->Transaction([&](store::Database& db) { return Write(db, copy); });
  if (!status.ok()) return status;
  it->second = copy;
  return absl::OkStatus();
}

absl::StatusOr<Container> ContainerStore::Resolve(const std::string& ns,
                                                 const std::string& ref) const {
  absl::MutexLock lock(&mu_);
  if (ref.empty()) return absl::InvalidArgumentError("no container given");
  if (auto it = by_id_.find(ref); it != by_id_.end() && it->second.namespace_() == ns) {
    return it->second;
  }
  absl::string_view name = ref;
  absl::ConsumePrefix(&name, "/");
  for (const auto& [id, container] : by_id_) {
    if (container.name() == name && container.namespace_() == ns) return container;
  }
  const Container* match = nullptr;
  for (const auto& [id, container] : by_id_) {
    if (container.namespace_() == ns && absl::StartsWith(id, ref)) {
      if (match != nullptr) {
        return absl::FailedPreconditionError(
            absl::StrCat("Multiple IDs found with provided prefix: ", ref));
      }
      match = &container;
    }
  }
  if (match == nullptr) return absl::NotFoundError(absl::StrCat("No such container: ", ref));
  return *match;
}

std::optional<Container> ContainerStore::Get(const std::string& id) const {
  absl::MutexLock lock(&mu_);
  auto it = by_id_.find(id);
  if (it == by_id_.end()) return std::nullopt;
  return it->second;
}

std::vector<Container> ContainerStore::List(const std::string& ns) const { return Sorted(&ns); }

std::vector<Container> ContainerStore::All() const { return Sorted(nullptr); }

std::vector<Container> ContainerStore::Sorted(const std::string* ns) const {
  absl::MutexLock lock(&mu_);
  std::vector<Container> all;
  for (const auto& [id, container] : by_id_) {
    if (ns == nullptr || container.namespace_() == *ns) all.push_back(container);
  }
  std::sort(all.begin(), all.end(), [](const Container& a, const Container& b) {
    if (a.created_at().seconds() != b.created_at().seconds()) {
      return a.created_at().seconds() > b.created_at().seconds();
    }
    return a.created_at().nanos() > b.created_at().nanos();
  });
  return all;
}

bool ContainerStore::NameInUse(const std::string& name) const {
  absl::MutexLock lock(&mu_);
  for (const auto& [id, container] : by_id_) {
    if (container.name() == name) return true;
  }
  return false;
}

}  // namespace berth::tasks
