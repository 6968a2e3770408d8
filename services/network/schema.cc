#include "services/network/schema.h"

namespace berth::network {

const std::vector<store::Migration>& Migrations() {
  static const auto* migrations = new std::vector<store::Migration>{
      {1, "networks, sandboxes and endpoints", R"sql(
        CREATE TABLE networks (
          id TEXT PRIMARY KEY,
          name TEXT NOT NULL UNIQUE,
          driver TEXT NOT NULL,
          spec BLOB NOT NULL,
          created_at INTEGER NOT NULL
        );
        CREATE TABLE sandboxes (
          container_id TEXT PRIMARY KEY,
          netns_path TEXT NOT NULL,
          mode TEXT NOT NULL,
          spec BLOB NOT NULL
        );
        CREATE TABLE endpoints (
          network_id TEXT NOT NULL REFERENCES networks(id),
          container_id TEXT NOT NULL REFERENCES sandboxes(container_id) ON DELETE CASCADE,
          spec BLOB NOT NULL,
          PRIMARY KEY (network_id, container_id)
        );
      )sql"},
      {2, "network connect of stopped containers", R"sql(
        CREATE TABLE connections (
          container_id TEXT NOT NULL,
          network_id TEXT NOT NULL REFERENCES networks(id),
          container_name TEXT NOT NULL,
          aliases TEXT NOT NULL,
          PRIMARY KEY (container_id, network_id)
        );
      )sql"},
  };
  return *migrations;
}

}  // namespace berth::network
