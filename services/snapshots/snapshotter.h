#ifndef BERTH_SERVICES_SNAPSHOTS_SNAPSHOTTER_H_
#define BERTH_SERVICES_SNAPSHOTS_SNAPSHOTTER_H_

// Snapshots in containerd's manner: a committed snapshot is an immutable
// layer that can be a parent; Prepare makes a writable (active) snapshot on
// a parent, View a read-only one; Commit turns an active snapshot into a
// layer. The snapshotter returns mounts and never mounts anything itself.
//
// Two drivers share the bookkeeping: overlayfs (layers stacked with
// lowerdir, the writable layer as upperdir; a lone layer is a bind mount)
// and native (each snapshot a full copy of its parent, for filesystems
// without overlay support).
//
// On disk: <root>/<id>/fs (the layer's files) and <root>/<id>/work
// (overlay's work dir). A directory is created under a temporary name and
// renamed to its id inside the transaction that records it, and removed by
// renaming it away first, so a crash leaves at most a directory without a
// record, which Open removes.

#include <map>
#include <memory>
#include <string>
#include <vector>

#include "absl/status/statusor.h"
#include "berth/snapshots/v1/snapshots.pb.h"
#include "berth/types/v1/types.pb.h"
#include "services/common/store/database.h"

namespace berth::snapshots {

enum class Driver { kOverlay, kNative };

using Labels = std::map<std::string, std::string>;
using berth::snapshots::v1::Info;
using berth::types::v1::Mount;

struct Usage {
  int64_t size = 0;
  int64_t inodes = 0;
};

class Snapshotter {
 public:
  // root is <data-root>/snapshots/<driver name>; db is the service's
  // database (the snapshots table).
  static absl::StatusOr<std::unique_ptr<Snapshotter>> Open(Driver driver, std::string root,
                                                           store::Database* db);

  absl::StatusOr<std::vector<Mount>> Prepare(const std::string& key, const std::string& parent,
                                             const Labels& labels = {});
  absl::StatusOr<std::vector<Mount>> View(const std::string& key, const std::string& parent,
                                          const Labels& labels = {});
  absl::StatusOr<std::vector<Mount>> Mounts(const std::string& key);
  absl::StatusOr<Info> Commit(const std::string& name, const std::string& key,
                              const Labels& labels = {});
  // Refused while the snapshot has children.
  absl::Status Remove(const std::string& key);
  absl::StatusOr<Info> Stat(const std::string& key);
  absl::StatusOr<std::vector<Info>> List();
  absl::StatusOr<Usage> GetUsage(const std::string& key);

  // The writable directory of an active snapshot: where a layer is
  // unpacked (no mount needed) and what a diff reads.
  absl::StatusOr<std::string> UpperDir(const std::string& key);
  // Lower directories of a snapshot, nearest parent first.
  absl::StatusOr<std::vector<std::string>> LowerDirs(const std::string& key);

  Driver driver() const { return driver_; }
  const std::string& root() const { return root_; }

 private:
  struct Record {
    int64_t id = 0;
    std::string key;
    std::string parent;
    berth::snapshots::v1::Kind kind = berth::snapshots::v1::KIND_UNSPECIFIED;
    Labels labels;
    int64_t created_at = 0;
    int64_t updated_at = 0;
  };

  Snapshotter(Driver driver, std::string root, store::Database* db)
      : driver_(driver), root_(std::move(root)), db_(db) {}

  absl::Status Recover();
  absl::StatusOr<Record> Load(const std::string& key);
  // key and its parents, nearest first.
  absl::StatusOr<std::vector<Record>> Chain(const std::string& key);
  absl::StatusOr<std::vector<Mount>> Create(berth::snapshots::v1::Kind kind,
                                            const std::string& key, const std::string& parent,
                                            const Labels& labels);
  absl::StatusOr<std::vector<Mount>> MountsFor(const Record& record);
  std::string Dir(int64_t id) const { return root_ + "/" + std::to_string(id); }
  std::string FsDir(int64_t id) const { return Dir(id) + "/fs"; }
  static Info ToInfo(const Record& record);

  const Driver driver_;
  const std::string root_;
  store::Database* const db_;
};

}  // namespace berth::snapshots

#endif  // BERTH_SERVICES_SNAPSHOTS_SNAPSHOTTER_H_
