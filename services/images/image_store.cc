#include "services/images/image_store.h"

#include "absl/strings/str_cat.h"
#include "absl/time/clock.h"

namespace berth::images {
namespace {

constexpr char kColumns[] =
    "name, target_media_type, target_digest, target_size, config_digest, size, image_created, "
    "created_at, updated_at, namespace, parent";

ImageRecord FromRow(const store::Statement& row) {
  ImageRecord record;
  record.name = row.ColumnText(0);
  record.target.set_media_type(row.ColumnText(1));
  record.target.set_digest(row.ColumnText(2));
  record.target.set_size(row.ColumnInt64(3));
  record.config_digest = row.ColumnText(4);
  record.size = row.ColumnInt64(5);
  record.image_created = row.ColumnInt64(6);
  record.created_at = row.ColumnInt64(7);
  record.updated_at = row.ColumnInt64(8);
  record.ns = row.ColumnText(9);
  record.parent = row.ColumnText(10);
  return record;
}

}  // namespace

absl::StatusOr<bool> ImageStore::Put(const std::vector<ImageRecord>& records,
                                     const std::vector<std::string>& content) {
  bool changed = false;
  int64_t now = absl::ToUnixSeconds(absl::Now());
  absl::Status status = db_->Transaction([&](store::Database& db) -> absl::Status {
    for (const ImageRecord& record : records) {
      auto existing =
          db.Prepare("SELECT target_digest FROM images WHERE namespace = ? AND name = ?");
      if (!existing.ok()) return existing.status();
      existing->Bind(1, ns_);
      existing->Bind(2, record.name);
      auto row = existing->Step();
      if (!row.ok()) return row.status();
      bool same = *row && existing->ColumnText(0) == record.target.digest();
      changed |= !same;
      absl::Status written = db.Run(
          "INSERT INTO images(namespace, name, target_media_type, target_digest, target_size, "
          "config_digest, size, image_created, created_at, updated_at, parent) "
          "VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?) "
          "ON CONFLICT(namespace, name) DO UPDATE SET target_media_type = excluded.target_media_type, "
          "target_digest = excluded.target_digest, target_size = excluded.target_size, "
          "config_digest = excluded.config_digest, size = excluded.size, "
          "image_created = excluded.image_created, updated_at = excluded.updated_at, "
          "parent = excluded.parent",
          ns_, record.name, record.target.media_type(), record.target.digest(), record.target.size(),
          record.config_digest, record.size, record.image_created, now, now, record.parent);
      if (!written.ok()) return written;
      for (const std::string& digest : content) {
        absl::Status linked = db.Run(
            "INSERT OR IGNORE INTO image_content(manifest_digest, content_digest) VALUES (?, ?)",
            record.target.digest(), digest);
        if (!linked.ok()) return linked;
      }
    }
    return absl::OkStatus();
  });
  if (!status.ok()) return status;
  return changed;
}

absl::StatusOr<std::vector<ImageRecord>> ImageStore::List() { return Select(false); }

absl::StatusOr<std::vector<ImageRecord>> ImageStore::ListAll() { return Select(true); }

absl::StatusOr<std::vector<ImageRecord>> ImageStore::Select(bool every_namespace) {
  auto statement = db_->Prepare(absl::StrCat("SELECT ", kColumns, " FROM images",
                                             every_namespace ? "" : " WHERE namespace = ?",
                                             " ORDER BY image_created DESC, name"));
  if (!statement.ok()) return statement.status();
  if (!every_namespace) statement->Bind(1, ns_);
  std::vector<ImageRecord> records;
  while (true) {
    auto row = statement->Step();
    if (!row.ok()) return row.status();
    if (!*row) break;
    records.push_back(FromRow(*statement));
  }
  return records;
}

absl::StatusOr<ImageRecord> ImageStore::Get(const std::string& name) {
  auto statement = db_->Prepare(
      absl::StrCat("SELECT ", kColumns, " FROM images WHERE namespace = ? AND name = ?"));
  if (!statement.ok()) return statement.status();
  statement->Bind(1, ns_);
  statement->Bind(2, name);
  auto row = statement->Step();
  if (!row.ok()) return row.status();
  if (!*row) return absl::NotFoundError(absl::StrCat("No such image: ", name));
  return FromRow(*statement);
}

absl::Status ImageStore::Delete(const std::string& name) {
  return db_->Transaction([&](store::Database& db) {
    return db.Run("DELETE FROM images WHERE namespace = ? AND name = ?", ns_, name);
  });
}

}  // namespace berth::images
