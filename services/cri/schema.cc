#include "services/cri/schema.h"

namespace berth::cri {

const std::vector<store::Migration>& Migrations() {
  static const auto* migrations = new std::vector<store::Migration>{
      {1, "runtime settings", R"sql(
        CREATE TABLE settings (
          key TEXT PRIMARY KEY,
          value TEXT NOT NULL,
          updated_at INTEGER NOT NULL
        );
      )sql"},
  };
  return *migrations;
}

}  // namespace berth::cri
