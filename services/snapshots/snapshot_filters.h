#ifndef BERTH_SERVICES_SNAPSHOTS_SNAPSHOT_FILTERS_H_
#define BERTH_SERVICES_SNAPSHOTS_SNAPSHOT_FILTERS_H_

// containerd's filter language over snapshots (`ctr snapshots ls` and the
// Snapshots.List filters): each filter is selectors joined by ',' (all
// must hold), and a snapshot is listed when any filter holds. A selector
// is FIELD, FIELD==VALUE, FIELD!=VALUE or FIELD~=REGEXP over name, parent,
// kind (active, view, committed) and labels.KEY; keys and values may be
// quoted ("..."). Anything else is InvalidArgument, never ignored.

#include <string>
#include <vector>

#include "absl/status/statusor.h"
#include "berth/snapshots/v1/snapshots.pb.h"

namespace berth::snapshots {

class SnapshotFilter {
 public:
  static absl::StatusOr<SnapshotFilter> Parse(const std::vector<std::string>& filters);
  bool Matches(const berth::snapshots::v1::Info& info) const;

 private:
  struct Selector {
    std::string field;  // name, parent, kind, labels
    std::string label;  // the key under labels
    std::string op;     // "" (present), ==, !=, ~=
    std::string value;
  };
  static bool Holds(const Selector& selector, const berth::snapshots::v1::Info& info);
  // Any of these, each all of its selectors.
  std::vector<std::vector<Selector>> alternatives_;
};

}  // namespace berth::snapshots

#endif  // BERTH_SERVICES_SNAPSHOTS_SNAPSHOT_FILTERS_H_
