#include "services/builder/build_cache.h"

#include "absl/time/clock.h"

namespace berth::builder {

absl::StatusOr<std::optional<std::string>> BuildCache::Lookup(const std::string& ns,
                                                              const std::string& parent,
                                                              const std::string& step_key) {
  auto statement = db_->Prepare(
      "SELECT image_id FROM build_cache WHERE namespace = ? AND parent = ? AND step_key = ?");
  if (!statement.ok()) return statement.status();
  statement->Bind(1, ns).Bind(2, parent).Bind(3, step_key);
  auto row = statement->Step();
  if (!row.ok()) return row.status();
  if (!*row) return std::optional<std::string>();
  return std::optional<std::string>(statement->ColumnText(0));
}

absl::Status BuildCache::Record(const std::string& ns, const std::string& parent,
                                const std::string& step_key, const std::string& image_id) {
  return db_->Run(
      "INSERT INTO build_cache(namespace, parent, step_key, image_id, created_at) "
      "VALUES (?, ?, ?, ?, ?) ON CONFLICT(namespace, parent, step_key) DO UPDATE SET "
      "image_id = excluded.image_id, created_at = excluded.created_at",
      ns, parent, step_key, image_id, absl::ToUnixSeconds(absl::Now()));
}

absl::Status BuildCache::Forget(const std::string& ns, const std::string& parent,
                                const std::string& step_key) {
  return db_->Run("DELETE FROM build_cache WHERE namespace = ? AND parent = ? AND step_key = ?",
                  ns, parent, step_key);
}

absl::StatusOr<int64_t> BuildCache::Prune(const std::string& ns, int64_t older_than_seconds) {
  auto before = Count();
  if (!before.ok()) return before.status();
  int64_t cutoff = older_than_seconds <= 0
                       ? INT64_MAX
                       : absl::ToUnixSeconds(absl::Now()) - older_than_seconds;
  if (absl::Status status =
          db_->Run("DELETE FROM build_cache WHERE namespace = ? AND created_at < ?", ns, cutoff);
      !status.ok()) {
    return status;
  }
  auto after = Count();
  if (!after.ok()) return after.status();
  return *before - *after;
}

absl::StatusOr<int64_t> BuildCache::Count() {
  auto statement = db_->Prepare("SELECT COUNT(*) FROM build_cache");
  if (!statement.ok()) return statement.status();
  auto row = statement->Step();
  if (!row.ok()) return row.status();
  return *row ? statement->ColumnInt64(0) : 0;
}

}  // namespace berth::builder
