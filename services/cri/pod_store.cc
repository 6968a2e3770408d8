#include "services/cri/pod_store.h"

#include "absl/strings/str_cat.h"

namespace berth::cri {
namespace {

constexpr char kColumns[] = "SELECT id, holder_id, state, created_at_ns, config FROM pods";

absl::StatusOr<PodRecord> ReadRow(const store::Statement& row) {
  PodRecord pod;
  pod.id = row.ColumnText(0);
  pod.holder_id = row.ColumnText(1);
  pod.state = static_cast<runtime::v1::PodSandboxState>(row.ColumnInt64(2));
  pod.created_at_ns = row.ColumnInt64(3);
  if (!pod.config.ParseFromString(row.ColumnBlob(4))) {
    return absl::DataLossError(absl::StrCat("pod ", pod.id, ": unreadable config"));
  }
  return pod;
}

}  // namespace

absl::Status PodStore::Insert(const PodRecord& pod) {
  return db_->Transaction([&](store::Database& db) {
    auto statement = db.Prepare(
        "INSERT INTO pods(id, holder_id, state, created_at_ns, config) VALUES (?, ?, ?, ?, ?)");
    if (!statement.ok()) return statement.status();
    statement->Bind(1, pod.id)
        .Bind(2, pod.holder_id)
        .Bind(3, static_cast<int64_t>(pod.state))
        .Bind(4, pod.created_at_ns)
        .BindBlob(5, pod.config.SerializeAsString());
    return statement->Run();
  });
}

absl::Status PodStore::SetHolder(const std::string& id, const std::string& holder_id) {
  return db_->Transaction([&](store::Database& db) {
    return db.Run("UPDATE pods SET holder_id = ? WHERE id = ?", holder_id, id);
  });
}

absl::Status PodStore::SetState(const std::string& id, runtime::v1::PodSandboxState state) {
  return db_->Transaction([&](store::Database& db) {
    return db.Run("UPDATE pods SET state = ? WHERE id = ?", static_cast<int64_t>(state), id);
  });
}

absl::Status PodStore::Remove(const std::string& id) {
  return db_->Transaction(
      [&](store::Database& db) { return db.Run("DELETE FROM pods WHERE id = ?", id); });
}

absl::StatusOr<PodRecord> PodStore::Get(const std::string& id) const {
  auto statement = db_->Prepare(absl::StrCat(kColumns, " WHERE id = ?"));
  if (!statement.ok()) return statement.status();
  statement->Bind(1, id);
  auto row = statement->Step();
  if (!row.ok()) return row.status();
  if (!*row) return absl::NotFoundError(absl::StrCat("pod sandbox ", id, " not found"));
  return ReadRow(*statement);
}

absl::StatusOr<std::vector<PodRecord>> PodStore::List() const {
  auto statement = db_->Prepare(absl::StrCat(kColumns, " ORDER BY created_at_ns"));
  if (!statement.ok()) return statement.status();
  std::vector<PodRecord> pods;
  while (true) {
    auto row = statement->Step();
    if (!row.ok()) return row.status();
    if (!*row) break;
    auto pod = ReadRow(*statement);
    if (!pod.ok()) return pod.status();
    pods.push_back(*std::move(pod));
  }
  return pods;
}

}  // namespace berth::cri
