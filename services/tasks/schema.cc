#include "services/tasks/schema.h"

namespace berth::tasks {

const std::vector<store::Migration>& Migrations() {
  static const auto* migrations = new std::vector<store::Migration>{
      {1, "containers and task state", R"sql(
        CREATE TABLE containers (
          id TEXT PRIMARY KEY,
          name TEXT NOT NULL UNIQUE,
          image TEXT NOT NULL,
          image_id TEXT NOT NULL,
          spec BLOB NOT NULL,
          image_config BLOB NOT NULL DEFAULT x'',
          snapshot_key TEXT NOT NULL DEFAULT '',
          created_at INTEGER NOT NULL
        );
        CREATE TABLE task_state (
          container_id TEXT PRIMARY KEY REFERENCES containers(id) ON DELETE CASCADE,
          status INTEGER NOT NULL,
          pid INTEGER NOT NULL DEFAULT 0,
          exit_code INTEGER NOT NULL DEFAULT 0,
          oom_killed INTEGER NOT NULL DEFAULT 0,
          started_at INTEGER NOT NULL DEFAULT 0,
          finished_at INTEGER NOT NULL DEFAULT 0,
          restart_count INTEGER NOT NULL DEFAULT 0,
          error TEXT NOT NULL DEFAULT ''
        );
      )sql"},
      {2, "whole container records", R"sql(
        ALTER TABLE containers ADD COLUMN record BLOB NOT NULL DEFAULT x'';
      )sql"},
  };
  return *migrations;
}

}  // namespace berth::tasks
