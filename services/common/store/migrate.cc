// Database::Migrate: brings the schema up to the newest migration.

#include <sqlite3.h>

#include "absl/strings/str_cat.h"
#include "services/common/store/database.h"

namespace berth::store {

absl::Status Database::Migrate(const std::vector<Migration>& migrations) {
  int current = SchemaVersion();
  if (current < 0) {
    return absl::InternalError(absl::StrCat("sqlite ", path_, ": cannot read the schema version"));
  }
  int newest = migrations.empty() ? 0 : migrations.back().version;
  if (current > newest) {
    return absl::FailedPreconditionError(absl::StrCat("database ", path_, " has schema version ",
                                                      current, ", this binary knows up to ", newest,
                                                      "; refusing to downgrade"));
  }
  for (const Migration& migration : migrations) {
    if (migration.version <= current) continue;
    absl::Status status = Transaction([&](Database& db) -> absl::Status {
      // Read again under the write lock: another process opening the same
      // file may have applied this migration since.
      if (db.SchemaVersion() >= migration.version) return absl::OkStatus();
      if (absl::Status applied = db.Exec(migration.sql); !applied.ok()) return applied;
      return db.Exec(absl::StrCat("PRAGMA user_version = ", migration.version));
    });
    if (!status.ok()) {
      return absl::Status(status.code(),
                          absl::StrCat("migration ", migration.version, " (", migration.description,
                                       "): ", status.message()));
    }
  }
  return absl::OkStatus();
}

}  // namespace berth::store
