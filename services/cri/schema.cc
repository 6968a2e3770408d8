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
      {2, "pod sandboxes", R"sql(
        CREATE TABLE pods (
          id TEXT PRIMARY KEY,
          -- The tasks service's container that holds the pod's namespaces.
          holder_id TEXT NOT NULL DEFAULT '',
          -- runtime.v1.PodSandboxState: 0 ready, 1 not ready.
          state INTEGER NOT NULL,
          created_at_ns INTEGER NOT NULL,
          -- runtime.v1.PodSandboxConfig as the kubelet sent it.
          config BLOB NOT NULL
        );
      )sql"},
  };
  return *migrations;
}

}  // namespace berth::cri
