#include "services/snapshots/schema.h"

namespace berth::snapshots {

const std::vector<store::Migration>& Migrations() {
  static const auto* migrations = new std::vector<store::Migration>{
      {1, "snapshots and volumes", R"sql(
        CREATE TABLE snapshots (
          id INTEGER PRIMARY KEY AUTOINCREMENT,
          key TEXT NOT NULL UNIQUE,
          parent TEXT NOT NULL DEFAULT '',
          kind INTEGER NOT NULL,
          labels TEXT NOT NULL DEFAULT '{}',
          created_at INTEGER NOT NULL,
          updated_at INTEGER NOT NULL
        );
        CREATE INDEX snapshots_by_parent ON snapshots(parent);
        CREATE TABLE volumes (
          name TEXT PRIMARY KEY,
          driver TEXT NOT NULL,
          labels TEXT NOT NULL DEFAULT '{}',
          options TEXT NOT NULL DEFAULT '{}',
          anonymous INTEGER NOT NULL DEFAULT 0,
          populated INTEGER NOT NULL DEFAULT 0,
          created_at INTEGER NOT NULL
        );
        CREATE TABLE volume_users (
          volume TEXT NOT NULL REFERENCES volumes(name) ON DELETE CASCADE,
          container_id TEXT NOT NULL,
          PRIMARY KEY (volume, container_id)
        );
      )sql"},
  };
  return *migrations;
}

}  // namespace berth::snapshots
