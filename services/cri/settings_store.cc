#include "services/cri/settings_store.h"

#include "absl/time/clock.h"

namespace berth::cri {

namespace {
constexpr char kPodCidr[] = "pod_cidr";
}  // namespace

absl::StatusOr<std::string> SettingsStore::PodCidr() { return Get(kPodCidr); }

absl::Status SettingsStore::SetPodCidr(const std::string& cidr) { return Set(kPodCidr, cidr); }

absl::StatusOr<std::string> SettingsStore::Get(const std::string& key) {
  auto statement = db_->Prepare("SELECT value FROM settings WHERE key = ?");
  if (!statement.ok()) return statement.status();
  statement->Bind(1, key);
  auto row = statement->Step();
  if (!row.ok()) return row.status();
  return *row ? statement->ColumnText(0) : std::string();
}

absl::Status SettingsStore::Set(const std::string& key, const std::string& value) {
  return db_->Transaction([&](store::Database& db) {
    return db.Run(
        "INSERT INTO settings(key, value, updated_at) VALUES (?, ?, ?) "
        "ON CONFLICT(key) DO UPDATE SET value = excluded.value, updated_at = excluded.updated_at",
        key, value, absl::ToUnixSeconds(absl::Now()));
  });
}

}  // namespace berth::cri
