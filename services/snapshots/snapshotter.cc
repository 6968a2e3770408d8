#include "services/snapshots/snapshotter.h"

#include <dirent.h>
#include <sys/mount.h>
#include <sys/stat.h>
#include <sys/statvfs.h>
#include <unistd.h>

#include <set>

#include "absl/strings/numbers.h"
#include "absl/strings/str_split.h"
#include "absl/strings/str_cat.h"
#include "absl/strings/str_join.h"
#include "absl/time/clock.h"
#include "nlohmann/json.hpp"
#include "services/common/base/log.h"
#include "services/snapshots/fs_util.h"

namespace berth::snapshots {
namespace {

using berth::snapshots::v1::Kind;

constexpr char kTempPrefix[] = ".tmp-";
constexpr char kTrashPrefix[] = ".trash-";

std::string LabelsToJson(const Labels& labels) { return nlohmann::json(labels).dump(); }

Labels LabelsFromJson(const std::string& text) {
  Labels labels;
  nlohmann::json json = nlohmann::json::parse(text, nullptr, false);
  if (json.is_object()) {
    for (const auto& [key, value] : json.items()) {
      if (value.is_string()) labels[key] = value.get<std::string>();
    }
  }
  return labels;
}

const char* KindName(Kind kind) {
  switch (kind) {
    case berth::snapshots::v1::VIEW:
      return "view";
    case berth::snapshots::v1::ACTIVE:
      return "active";
    case berth::snapshots::v1::COMMITTED:
      return "committed";
    default:
      return "unknown";
  }
}

Mount BindMount(const std::string& source, bool read_only) {
  Mount mount;
  mount.set_type("bind");
  mount.set_source(source);
  mount.add_options(read_only ? "ro" : "rw");
  mount.add_options("rbind");
  return mount;
}

absl::Status MakeDir(const std::string& path, mode_t mode) {
  if (::mkdir(path.c_str(), mode) != 0 && errno != EEXIST) {
    return absl::ErrnoToStatus(errno, absl::StrCat("mkdir ", path));
  }
  return absl::OkStatus();
}

}  // namespace

absl::StatusOr<std::unique_ptr<Snapshotter>> Snapshotter::Open(Driver driver, std::string root,
                                                               store::Database* db) {
  std::unique_ptr<Snapshotter> snapshotter(new Snapshotter(driver, std::move(root), db));
  // The parent (<data-root>/snapshots) may not exist yet.
  if (absl::Status status = fs::MakeDirectories(snapshotter->root_, 0711); !status.ok()) {
    return status;
  }
  if (absl::Status status = snapshotter->Recover(); !status.ok()) return status;
  return snapshotter;
}

absl::Status Snapshotter::Recover() {
  auto statement = db_->Prepare("SELECT id FROM snapshots");
  if (!statement.ok()) return statement.status();
  std::set<std::string> known;
  while (true) {
    auto row = statement->Step();
    if (!row.ok()) return row.status();
    if (!*row) break;
    known.insert(std::to_string(statement->ColumnInt64(0)));
  }
  // A build's COPY mounts a snapshot at <dir>/view while it writes (see
  // SnapshotsService::MountView); one left by a crash goes first.
  for (const std::string& id : known) {
    std::string view = root_ + "/" + id + "/view";
    ::umount2(view.c_str(), MNT_DETACH);
    ::rmdir(view.c_str());
  }
  DIR* dir = ::opendir(root_.c_str());
  if (dir == nullptr) return absl::ErrnoToStatus(errno, absl::StrCat("open ", root_));
  std::vector<std::string> leftovers;
  while (dirent* entry = ::readdir(dir)) {
    std::string name = entry->d_name;
    if (name != "." && name != ".." && known.count(name) == 0) leftovers.push_back(name);
  }
  ::closedir(dir);
  for (const std::string& name : leftovers) {
    BERTH_LOG(Info) << "removing leftover snapshot directory " << root_ << "/" << name;
    if (absl::Status status = RemoveAll(root_ + "/" + name); !status.ok()) {
      BERTH_LOG(Warn) << status.message();
    }
  }
  return absl::OkStatus();
}

absl::StatusOr<Snapshotter::Record> Snapshotter::Load(const std::string& key) {
  auto statement = db_->Prepare(
      "SELECT id, key, parent, kind, labels, created_at, updated_at FROM snapshots WHERE key = ?");
  if (!statement.ok()) return statement.status();
  statement->Bind(1, key);
  auto row = statement->Step();
  if (!row.ok()) return row.status();
  if (!*row) return absl::NotFoundError(absl::StrCat("snapshot ", key, ": not found"));
  Record record;
  record.id = statement->ColumnInt64(0);
  record.key = statement->ColumnText(1);
  record.parent = statement->ColumnText(2);
  record.kind = static_cast<Kind>(statement->ColumnInt64(3));
  record.labels = LabelsFromJson(statement->ColumnText(4));
  record.created_at = statement->ColumnInt64(5);
  record.updated_at = statement->ColumnInt64(6);
  return record;
}

absl::StatusOr<std::vector<Snapshotter::Record>> Snapshotter::Chain(const std::string& key) {
  std::vector<Record> chain;
  std::string next = key;
  while (!next.empty()) {
    auto record = Load(next);
    if (!record.ok()) return record.status();
    next = record->parent;
    chain.push_back(*std::move(record));
    if (chain.size() > 4096) return absl::InternalError("snapshot chain loops");
  }
  return chain;
}

Info Snapshotter::ToInfo(const Record& record) {
  Info info;
  info.set_name(record.key);
  info.set_parent(record.parent);
  info.set_kind(record.kind);
  for (const auto& [key, value] : record.labels) (*info.mutable_labels())[key] = value;
  info.mutable_created_at()->set_seconds(record.created_at);
  info.mutable_updated_at()->set_seconds(record.updated_at);
  return info;
}

absl::StatusOr<std::vector<Mount>> Snapshotter::MountsFor(const Record& record) {
  auto chain = Chain(record.key);
  if (!chain.ok()) return chain.status();
  std::vector<std::string> lowers;
  for (size_t i = 1; i < chain->size(); ++i) lowers.push_back(FsDir((*chain)[i].id));
  bool view = record.kind == berth::snapshots::v1::VIEW;

  if (driver_ == Driver::kNative) {
    // A native snapshot holds a full copy; a view shows its parent as is.
    if (view && !lowers.empty()) return std::vector<Mount>{BindMount(lowers[0], true)};
    return std::vector<Mount>{BindMount(FsDir(record.id), view)};
  }
  if (view) {
    if (lowers.empty()) return std::vector<Mount>{BindMount(FsDir(record.id), true)};
    if (lowers.size() == 1) return std::vector<Mount>{BindMount(lowers[0], true)};
    Mount overlay;
    overlay.set_type("overlay");
    overlay.set_source("overlay");
    overlay.add_options("ro");
    overlay.add_options("lowerdir=" + absl::StrJoin(lowers, ":"));
    return std::vector<Mount>{overlay};
  }
  if (lowers.empty()) return std::vector<Mount>{BindMount(FsDir(record.id), false)};
  Mount overlay;
  overlay.set_type("overlay");
  overlay.set_source("overlay");
  // index=off: the same lower directories are shared by many containers.
  overlay.add_options("index=off");
  overlay.add_options("workdir=" + Dir(record.id) + "/work");
  overlay.add_options("upperdir=" + FsDir(record.id));
  overlay.add_options("lowerdir=" + absl::StrJoin(lowers, ":"));
  return std::vector<Mount>{overlay};
}

absl::StatusOr<std::vector<Mount>> Snapshotter::Create(Kind kind, const std::string& key,
                                                       const std::string& parent,
                                                       const Labels& labels) {
  if (key.empty()) return absl::InvalidArgumentError("snapshot key is empty");
  std::string op = kind == berth::snapshots::v1::VIEW ? "view" : "prepare";
  if (Load(key).ok()) {
    return absl::AlreadyExistsError(absl::StrCat(op, " ", key, ": snapshot already exists"));
  }
  Record parent_record;
  if (!parent.empty()) {
    auto loaded = Load(parent);
    if (!loaded.ok()) {
      return absl::NotFoundError(absl::StrCat(op, " ", key, ": parent ", parent, " not found"));
    }
    if (loaded->kind != berth::snapshots::v1::COMMITTED) {
      return absl::FailedPreconditionError(absl::StrCat(
          op, " ", key, ": parent ", parent, " is ", KindName(loaded->kind), ", not committed"));
    }
    parent_record = *std::move(loaded);
  }

  // Build the directory under a temporary name first; a native snapshot
  // copies its parent here, outside the database transaction.
  std::string temp = absl::StrCat(root_, "/", kTempPrefix, RandomHex(8));
  absl::Status made = MakeDir(temp, 0700);
  if (made.ok()) made = MakeDir(temp + "/fs", 0755);
  if (made.ok() && driver_ == Driver::kOverlay) made = MakeDir(temp + "/work", 0700);
  if (made.ok() && driver_ == Driver::kNative && !parent.empty() &&
      kind == berth::snapshots::v1::ACTIVE) {
    made = CopyTree(FsDir(parent_record.id), temp + "/fs");
  }
  if (!made.ok()) {
    (void)RemoveAll(temp);
    return absl::Status(made.code(), absl::StrCat(op, " ", key, ": ", made.message()));
  }

  int64_t now = absl::ToUnixSeconds(absl::Now());
  Record record;
  absl::Status status = db_->Transaction([&](store::Database& db) -> absl::Status {
    absl::Status inserted = db.Run(
        "INSERT INTO snapshots(key, parent, kind, labels, created_at, updated_at) "
        "VALUES (?, ?, ?, ?, ?, ?)",
        key, parent, static_cast<int64_t>(kind), LabelsToJson(labels), now, now);
    if (!inserted.ok()) return inserted;
    auto id = db.Prepare("SELECT last_insert_rowid()");
    if (!id.ok()) return id.status();
    if (auto row = id->Step(); !row.ok() || !*row) return absl::InternalError("no row id");
    record.id = id->ColumnInt64(0);
    if (::rename(temp.c_str(), Dir(record.id).c_str()) != 0) {
      return absl::ErrnoToStatus(errno, absl::StrCat("rename to ", Dir(record.id)));
    }
    return absl::OkStatus();
  });
  if (!status.ok()) {
    (void)RemoveAll(temp);
    if (status.code() == absl::StatusCode::kAlreadyExists) {
      return absl::AlreadyExistsError(absl::StrCat(op, " ", key, ": snapshot already exists"));
    }
    return absl::Status(status.code(), absl::StrCat(op, " ", key, ": ", status.message()));
  }
  record.key = key;
  record.parent = parent;
  record.kind = kind;
  record.labels = labels;
  return MountsFor(record);
}

absl::StatusOr<std::vector<Mount>> Snapshotter::Prepare(const std::string& key,
                                                        const std::string& parent,
                                                        const Labels& labels) {
  return Create(berth::snapshots::v1::ACTIVE, key, parent, labels);
}

absl::StatusOr<std::vector<Mount>> Snapshotter::View(const std::string& key,
                                                     const std::string& parent,
                                                     const Labels& labels) {
  return Create(berth::snapshots::v1::VIEW, key, parent, labels);
}

absl::StatusOr<std::vector<Mount>> Snapshotter::Mounts(const std::string& key) {
  auto record = Load(key);
  if (!record.ok()) return record.status();
  if (record->kind == berth::snapshots::v1::COMMITTED) {
    return absl::FailedPreconditionError(
        absl::StrCat("mounts ", key, ": a committed snapshot has no mounts; view it"));
  }
  return MountsFor(*record);
}

absl::StatusOr<Info> Snapshotter::Commit(const std::string& name, const std::string& key,
                                         const Labels& labels) {
  auto record = Load(key);
  if (!record.ok()) return record.status();
  if (record->kind != berth::snapshots::v1::ACTIVE) {
    return absl::FailedPreconditionError(
        absl::StrCat("commit ", key, ": snapshot is ", KindName(record->kind), ", not active"));
  }
  if (name.empty()) return absl::InvalidArgumentError(absl::StrCat("commit ", key, ": no name"));
  int64_t now = absl::ToUnixSeconds(absl::Now());
  Labels merged = record->labels;
  for (const auto& [k, v] : labels) merged[k] = v;
  absl::Status status = db_->Transaction([&](store::Database& db) {
    return db.Run(
        "UPDATE snapshots SET key = ?, kind = ?, labels = ?, updated_at = ? WHERE key = ?", name,
        static_cast<int64_t>(berth::snapshots::v1::COMMITTED), LabelsToJson(merged), now, key);
  });
  if (status.code() == absl::StatusCode::kAlreadyExists) {
    return absl::AlreadyExistsError(
        absl::StrCat("commit ", key, " as ", name, ": snapshot already exists"));
  }
  if (!status.ok()) return status;
  // Overlay's work dir holds nothing a layer needs.
  (void)RemoveAll(Dir(record->id) + "/work");
  auto committed = Load(name);
  if (!committed.ok()) return committed.status();
  return ToInfo(*committed);
}

absl::Status Snapshotter::Remove(const std::string& key) {
  auto record = Load(key);
  if (!record.ok()) return record.status();
  std::string trash = absl::StrCat(root_, "/", kTrashPrefix, RandomHex(8));
  absl::Status status = db_->Transaction([&](store::Database& db) -> absl::Status {
    auto children = db.Prepare("SELECT count(*) FROM snapshots WHERE parent = ?");
    if (!children.ok()) return children.status();
    children->Bind(1, key);
    if (auto row = children->Step(); !row.ok()) return row.status();
    if (children->ColumnInt64(0) > 0) {
      return absl::FailedPreconditionError(
          absl::StrCat("remove ", key, ": snapshot has ", children->ColumnInt64(0),
                       " children"));
    }
    absl::Status deleted = db.Run("DELETE FROM snapshots WHERE key = ?", key);
    if (!deleted.ok()) return deleted;
    if (::rename(Dir(record->id).c_str(), trash.c_str()) != 0 && errno != ENOENT) {
      return absl::ErrnoToStatus(errno, absl::StrCat("remove ", key));
    }
    return absl::OkStatus();
  });
  if (!status.ok()) return status;
  if (absl::Status removed = RemoveAll(trash); !removed.ok()) {
    BERTH_LOG(Warn) << "snapshot " << key << " removed, its files not yet: " << removed.message();
  }
  return absl::OkStatus();
}

absl::StatusOr<Info> Snapshotter::Stat(const std::string& key) {
  auto record = Load(key);
  if (!record.ok()) return record.status();
  return ToInfo(*record);
}

absl::StatusOr<std::vector<Info>> Snapshotter::List() {
  auto statement = db_->Prepare("SELECT key FROM snapshots ORDER BY id");
  if (!statement.ok()) return statement.status();
  std::vector<std::string> keys;
  while (true) {
    auto row = statement->Step();
    if (!row.ok()) return row.status();
    if (!*row) break;
    keys.push_back(statement->ColumnText(0));
  }
  std::vector<Info> infos;
  for (const std::string& key : keys) {
    auto info = Stat(key);
    if (info.ok()) infos.push_back(*std::move(info));
  }
  return infos;
}

absl::StatusOr<Usage> Snapshotter::GetUsage(const std::string& key) {
  auto record = Load(key);
  if (!record.ok()) return record.status();
  auto usage = DiskUsageWithInodes(FsDir(record->id));
  if (!usage.ok()) return usage.status();
  return Usage{usage->first, usage->second};
}

absl::StatusOr<std::string> Snapshotter::UpperDir(const std::string& key) {
  auto record = Load(key);
  if (!record.ok()) return record.status();
  if (record->kind != berth::snapshots::v1::ACTIVE) {
    return absl::FailedPreconditionError(
        absl::StrCat("snapshot ", key, " is ", KindName(record->kind), ", not active"));
  }
  return FsDir(record->id);
}

absl::StatusOr<std::vector<std::string>> Snapshotter::LowerDirs(const std::string& key) {
  auto chain = Chain(key);
  if (!chain.ok()) return chain.status();
  std::vector<std::string> lowers;
  for (size_t i = 1; i < chain->size(); ++i) lowers.push_back(FsDir((*chain)[i].id));
  return lowers;
}

}  // namespace berth::snapshots
