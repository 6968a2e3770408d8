#include "services/builder/schema.h"

namespace berth::builder {

const std::vector<store::Migration>& Migrations() {
  static const auto* migrations = new std::vector<store::Migration>{
      {1, "build cache and intermediate containers", R"sql(
        -- A step's result: the image made from `parent` by the step whose
        -- instruction, configuration and sources hash to `step_key`.
        CREATE TABLE build_cache (
          namespace TEXT NOT NULL,
          parent TEXT NOT NULL,
          step_key TEXT NOT NULL,
          image_id TEXT NOT NULL,
          created_at INTEGER NOT NULL,
          PRIMARY KEY (namespace, parent, step_key)
        );
        -- Written before a RUN's container is created, deleted after it is
        -- removed: what a killed build left is removed at the next start.
        CREATE TABLE build_containers (
          namespace TEXT NOT NULL,
          name TEXT NOT NULL,
          PRIMARY KEY (namespace, name)
        );
      )sql"},
  };
  return *migrations;
}

}  // namespace berth::builder
