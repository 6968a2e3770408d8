#include "services/images/leases.h"

#include "absl/strings/str_cat.h"
#include "services/common/fs/fs_util.h"

namespace berth::images {

absl::StatusOr<LeaseInfo> Leases::Create(const std::string& requested, absl::Duration expire_after) {
  LeaseInfo lease;
  lease.id = requested.empty() ? fs::RandomHex(16) : requested;
  if (lease.id.size() > 256) return absl::InvalidArgumentError("lease id longer than 256 bytes");
  lease.created_at = absl::Now();
  lease.expires_at = lease.created_at + (expire_after > absl::ZeroDuration() ? expire_after : kDefaultExpiry);
  absl::Status status = db_->Transaction([&](store::Database& db) -> absl::Status {
    auto existing = db.Prepare("SELECT 1 FROM leases WHERE id = ?1");
    if (!existing.ok()) return existing.status();
    existing->Bind(1, lease.id);
    auto row = existing->Step();
    if (!row.ok()) return row.status();
    if (*row) return absl::AlreadyExistsError(absl::StrCat("lease ", lease.id, " already exists"));
    return db.Run("INSERT INTO leases (id, created_at, expires_at) VALUES (?1, ?2, ?3)", lease.id,
                  absl::ToUnixSeconds(lease.created_at), absl::ToUnixSeconds(lease.expires_at));
  });
  if (!status.ok()) return status;
  return lease;
}

absl::Status Leases::Delete(const std::string& id) {
  return db_->Transaction([&](store::Database& db) -> absl::Status {
    // lease_content goes by ON DELETE CASCADE; said explicitly in case the
    // connection runs without foreign keys.
    for (const char* table : {"lease_content", "lease_snapshots"}) {
      if (absl::Status status = db.Run(absl::StrCat("DELETE FROM ", table, " WHERE lease_id = ?1"), id);
          !status.ok()) {
        return status;
      }
    }
    if (absl::Status status = db.Run("DELETE FROM leases WHERE id = ?1", id); !status.ok()) return status;
    if (db.Changes() == 0) return absl::NotFoundError(absl::StrCat("lease ", id, " not found"));
    return absl::OkStatus();
  });
}

namespace {

// Inserts (lease, value) into table once the lease is known and alive.
absl::Status AddToLease(store::Database* database, const std::string& id, const char* insert,
                        const std::string& value) {
  return database->Transaction([&](store::Database& db) -> absl::Status {
    auto lease = db.Prepare("SELECT expires_at FROM leases WHERE id = ?1");
    if (!lease.ok()) return lease.status();
    lease->Bind(1, id);
    auto row = lease->Step();
    if (!row.ok()) return row.status();
    if (!*row || lease->ColumnInt64(0) <= absl::ToUnixSeconds(absl::Now())) {
      return absl::NotFoundError(absl::StrCat("lease ", id, " not found (or expired)"));
    }
    return db.Run(insert, id, value);
  });
}

absl::StatusOr<std::set<std::string>> Column(store::Database* db, const char* query) {
  std::set<std::string> values;
  auto statement = db->Prepare(query);
  if (!statement.ok()) return statement.status();
  while (true) {
    auto row = statement->Step();
    if (!row.ok()) return row.status();
    if (!*row) break;
    values.insert(statement->ColumnText(0));
  }
  return values;
}

}  // namespace

absl::Status Leases::AddContent(const std::string& id, const std::string& digest) {
  return AddToLease(db_, id,
                    "INSERT OR IGNORE INTO lease_content (lease_id, content_digest) VALUES (?1, ?2)",
                    digest);
}

absl::Status Leases::AddSnapshot(const std::string& id, const std::string& key) {
  return AddToLease(db_, id,
                    "INSERT OR IGNORE INTO lease_snapshots (lease_id, snapshot_key) VALUES (?1, ?2)",
                    key);
}

absl::StatusOr<std::set<std::string>> Leases::HeldSnapshots() {
  return Column(db_,
                "SELECT snapshot_key FROM lease_snapshots WHERE lease_id IN "
                "(SELECT id FROM leases WHERE expires_at > strftime('%s', 'now'))");
}

absl::Status Leases::DeleteWithPrefix(const std::string& prefix) {
  return db_->Transaction([&](store::Database& db) -> absl::Status {
    for (const char* table : {"lease_content", "lease_snapshots"}) {
      if (absl::Status status = db.Run(absl::StrCat("DELETE FROM ", table,
                                                    " WHERE lease_id IN (SELECT id FROM leases WHERE "
                                                    "substr(id, 1, length(?1)) = ?1)"),
                                       prefix);
          !status.ok()) {
        return status;
      }
    }
    return db.Run("DELETE FROM leases WHERE substr(id, 1, length(?1)) = ?1", prefix);
  });
}

absl::StatusOr<std::set<std::string>> Leases::HeldContent() {
  int64_t now = absl::ToUnixSeconds(absl::Now());
  absl::Status expired = db_->Transaction([&](store::Database& db) -> absl::Status {
    for (const char* table : {"lease_content", "lease_snapshots"}) {
      if (absl::Status status = db.Run(
              absl::StrCat("DELETE FROM ", table,
                           " WHERE lease_id IN (SELECT id FROM leases WHERE expires_at <= ?1)"),
              now);
          !status.ok()) {
        return status;
      }
    }
    return db.Run("DELETE FROM leases WHERE expires_at <= ?1", now);
  });
  if (!expired.ok()) return expired;
  std::set<std::string> held;
  auto statement = db_->Prepare("SELECT content_digest FROM lease_content");
  if (!statement.ok()) return statement.status();
  while (true) {
    auto row = statement->Step();
    if (!row.ok()) return row.status();
    if (!*row) break;
    held.insert(statement->ColumnText(0));
  }
  return held;
}

}  // namespace berth::images
