#include "services/snapshots/volumes_service.h"

#include <dirent.h>
#include <sys/mount.h>
#include <sys/stat.h>
#include <unistd.h>

#include <set>

#include <re2/re2.h>

#include "absl/strings/match.h"
#include "absl/strings/str_cat.h"
#include "absl/strings/str_join.h"
#include "absl/time/clock.h"
#include "nlohmann/json.hpp"
#include "services/common/base/grpc_status.h"
#include "services/common/base/log.h"
#include "services/common/mount/mount.h"
#include "services/snapshots/copy_up.h"
#include "services/snapshots/local_driver.h"
#include "services/snapshots/fs_util.h"

namespace berth::snapshots {
namespace {

using berth::snapshots::v1::Volume;

constexpr char kTempPrefix[] = ".tmp-";
constexpr char kTrashPrefix[] = ".trash-";
// Where Populate mounts a container's filesystem (read-only) for a moment.
constexpr char kRootfsPrefix[] = ".tmp-rootfs-";

std::string MapToJson(const google::protobuf::Map<std::string, std::string>& map) {
  nlohmann::json json = nlohmann::json::object();
  for (const auto& [key, value] : map) json[key] = value;
  return json.dump();
}

void JsonToMap(const std::string& text, google::protobuf::Map<std::string, std::string>* map) {
  nlohmann::json json = nlohmann::json::parse(text, nullptr, /*allow_exceptions=*/false);
  if (!json.is_object()) return;
  for (const auto& [key, value] : json.items()) {
    if (value.is_string()) (*map)[key] = value.get<std::string>();
  }
}

bool MatchesFilters(const Volume& volume,
                    const google::protobuf::Map<std::string,
                                                berth::snapshots::v1::FilterValues>& filters) {
  for (const auto& [key, values] : filters) {
    if (values.values().empty()) continue;
    // label: every K or K=V given (docker's MatchKVList); the others: any
    // value.
    bool all = key == "label";
    bool any = false;
    for (const std::string& value : values.values()) {
      bool match = false;
      if (key == "dangling") {
        bool dangling = value == "true" || value == "1";
        match = (volume.used_by_size() == 0) == dangling;
      } else if (key == "name") {
        // docker's Args.Match: equal, or a regular expression found in it.
        RE2 pattern(value, RE2::Quiet);
        match = volume.name() == value || (pattern.ok() && RE2::PartialMatch(volume.name(), pattern));
      } else if (key == "driver") {
        match = volume.driver() == value;
      } else if (key == "label") {
        size_t eq = value.find('=');
        std::string label = value.substr(0, eq);
        auto it = volume.labels().find(label);
        match = it != volume.labels().end() &&
                (eq == std::string::npos || it->second == value.substr(eq + 1));
      }
      any |= match;
      all = all && match;
    }
    if (key == "label" ? !all : !any) return false;
  }
  return true;
}

absl::Status CheckFilters(
    const google::protobuf::Map<std::string, berth::snapshots::v1::FilterValues>& filters) {
  static const std::set<std::string> kKnown = {"dangling", "name", "driver", "label"};
  for (const auto& [key, values] : filters) {
    if (kKnown.count(key) == 0) {
      return absl::InvalidArgumentError(absl::StrCat("invalid filter '", key, "'"));
    }
    if (key == "dangling") {
      for (const std::string& value : values.values()) {
        if (value != "true" && value != "false" && value != "1" && value != "0") {
          return absl::InvalidArgumentError(
              absl::StrCat("invalid filter 'dangling=", value, "'"));
        }
      }
    }
  }
  return absl::OkStatus();
}

DriverOptions Options(const google::protobuf::Map<std::string, std::string>& map) {
  return DriverOptions(map.begin(), map.end());
}

}  // namespace

bool IsValidVolumeName(const std::string& name) {
  if (name.size() < 2) return false;
  auto alnum = [](char c) {
    return (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') || (c >= '0' && c <= '9');
  };
  if (!alnum(name[0])) return false;
  for (char c : name) {
    if (!alnum(c) && c != '_' && c != '.' && c != '-') return false;
  }
  return true;
}

absl::Status VolumesService::Recover() {
  if (::mkdir(root_.c_str(), 0701) != 0 && errno != EEXIST) {
    return absl::ErrnoToStatus(errno, absl::StrCat("mkdir ", root_));
  }
  auto volumes = LoadAll();
  if (!volumes.ok()) return volumes.status();
  std::set<std::string> known;
  for (const Volume& volume : *volumes) {
    known.insert(volume.name());
    // Mounts live in the host's namespace and survive a restart of this
    // service, not of the host.
    std::string data = Directory(volume.name()) + "/_data";
    if (volume.used_by_size() > 0 && NeedsMount(Options(volume.options())) && !IsMountPoint(data)) {
      if (absl::Status mounted = MountLocal(Options(volume.options()), data); !mounted.ok()) {
        BERTH_LOG(Warn) << "volume " << volume.name() << ": " << mounted.message();
      }
    }
  }
  DIR* dir = ::opendir(root_.c_str());
  if (dir == nullptr) return absl::ErrnoToStatus(errno, absl::StrCat("open ", root_));
  std::vector<std::string> leftovers;
  while (dirent* entry = ::readdir(dir)) {
    std::string name = entry->d_name;
    if (name == "." || name == "..") continue;
    if (absl::StartsWith(name, kTempPrefix) || absl::StartsWith(name, kTrashPrefix) ||
        known.count(name) == 0) {
      leftovers.push_back(name);
    }
  }
  ::closedir(dir);
  for (const std::string& name : leftovers) {
    // A crash during copy-up may have left a container's filesystem mounted.
    if (absl::StartsWith(name, kRootfsPrefix)) ::umount2(Directory(name).c_str(), MNT_DETACH);
    BERTH_LOG(Info) << "removing leftover volume directory " << Directory(name);
    absl::Status status = RemoveAll(Directory(name));
    if (!status.ok()) BERTH_LOG(Warn) << status.message();
  }
  return absl::OkStatus();
}

absl::StatusOr<Volume> VolumesService::Load(const std::string& name) {
  auto statement = db_->Prepare(
      "SELECT name, driver, labels, options, anonymous, populated, created_at FROM volumes "
      "WHERE name = ?");
  if (!statement.ok()) return statement.status();
  statement->Bind(1, name);
  auto row = statement->Step();
  if (!row.ok()) return row.status();
  if (!*row) return absl::NotFoundError(absl::StrCat("get ", name, ": no such volume"));
  Volume volume;
  volume.set_name(statement->ColumnText(0));
  volume.set_driver(statement->ColumnText(1));
  JsonToMap(statement->ColumnText(2), volume.mutable_labels());
  JsonToMap(statement->ColumnText(3), volume.mutable_options());
  volume.set_anonymous(statement->ColumnInt64(4) != 0);
  volume.set_populated(statement->ColumnInt64(5) != 0);
  volume.mutable_created_at()->set_seconds(statement->ColumnInt64(6));
  volume.set_mountpoint(Directory(volume.name()) + "/_data");
  volume.set_scope("local");
  auto users = db_->Prepare("SELECT container_id FROM volume_users WHERE volume = ? ORDER BY 1");
  if (!users.ok()) return users.status();
  users->Bind(1, name);
  while (true) {
    auto user = users->Step();
    if (!user.ok()) return user.status();
    if (!*user) break;
    volume.add_used_by(users->ColumnText(0));
  }
  return volume;
}

absl::StatusOr<std::vector<Volume>> VolumesService::LoadAll() {
  auto statement = db_->Prepare("SELECT name FROM volumes ORDER BY name");
  if (!statement.ok()) return statement.status();
  std::vector<std::string> names;
  while (true) {
    auto row = statement->Step();
    if (!row.ok()) return row.status();
    if (!*row) break;
    names.push_back(statement->ColumnText(0));
  }
  std::vector<Volume> volumes;
  for (const std::string& name : names) {
    auto volume = Load(name);
    if (volume.ok()) volumes.push_back(*std::move(volume));
  }
  return volumes;
}

grpc::Status VolumesService::Create(grpc::ServerContext*,
                                    const berth::snapshots::v1::CreateVolumeRequest* request,
                                    Volume* response) {
  std::string name = request->name().empty() ? RandomHex(32) : request->name();
  if (!IsValidVolumeName(name)) {
    return grpc::Status(grpc::StatusCode::INVALID_ARGUMENT,
                        absl::StrCat("create ", name,
                                     ": \"", name,
                                     "\" includes invalid characters for a local volume name, "
                                     "only \"[a-zA-Z0-9][a-zA-Z0-9_.-]\" are allowed"));
  }
  std::string driver = request->driver().empty() ? "local" : request->driver();
  if (driver != "local") {
    return grpc::Status(grpc::StatusCode::INVALID_ARGUMENT,
                        absl::StrCat("create ", name, ": volume driver \"", driver,
                                     "\" is not supported (only \"local\")"));
  }
  if (absl::Status valid = ValidateLocalOptions(Options(request->options())); !valid.ok()) {
    return grpc::Status(grpc::StatusCode::INVALID_ARGUMENT,
                        absl::StrCat("create ", name, ": ", valid.message()));
  }
  // Docker returns the existing volume when the name is taken (and logs
  // its create event all the same: `run -v NAME:/x` of an existing one).
  auto existing = Load(name);
  if (existing.ok()) {
    PublishEvent("create", name);
    *response = *std::move(existing);
    return grpc::Status::OK;
  }
  if (existing.status().code() != absl::StatusCode::kNotFound) {
    return ToGrpcStatus(existing.status());
  }

  std::string temp = absl::StrCat(root_, "/", kTempPrefix, name, "-", RandomHex(4));
  if (::mkdir(temp.c_str(), 0701) != 0 || ::mkdir((temp + "/_data").c_str(), 0755) != 0) {
    absl::Status error = absl::ErrnoToStatus(errno, absl::StrCat("create ", name, ": mkdir"));
    (void)RemoveAll(temp);
    return ToGrpcStatus(error);
  }
  int64_t now = absl::ToUnixSeconds(absl::Now());
  absl::Status status = db_->Transaction([&](store::Database& db) -> absl::Status {
    absl::Status inserted = db.Run(
        "INSERT INTO volumes(name, driver, labels, options, anonymous, created_at) "
        "VALUES (?, ?, ?, ?, ?, ?)",
        name, driver, MapToJson(request->labels()), MapToJson(request->options()),
        int64_t{request->anonymous() ? 1 : 0}, now);
    if (!inserted.ok()) return inserted;
    // The directory takes its real name inside the transaction: if the
    // rename fails nothing is committed, and a crash after it leaves only a
    // directory without a record, which Recover removes.
    if (::rename(temp.c_str(), Directory(name).c_str()) != 0) {
      return absl::ErrnoToStatus(errno, absl::StrCat("create ", name, ": rename"));
    }
    return absl::OkStatus();
  });
  if (!status.ok()) {
    (void)RemoveAll(temp);
    return ToGrpcStatus(status);
  }
  auto created = Load(name);
  if (!created.ok()) return ToGrpcStatus(created.status());
  PublishEvent("create", name);
  *response = *std::move(created);
  return grpc::Status::OK;
}

grpc::Status VolumesService::Get(grpc::ServerContext*,
                                 const berth::snapshots::v1::GetVolumeRequest* request,
                                 Volume* response) {
  auto volume = Load(request->name());
  if (!volume.ok()) return ToGrpcStatus(volume.status());
  *response = *std::move(volume);
  return grpc::Status::OK;
}

grpc::Status VolumesService::List(grpc::ServerContext*,
                                  const berth::snapshots::v1::ListVolumesRequest* request,
                                  berth::snapshots::v1::ListVolumesResponse* response) {
  if (absl::Status valid = CheckFilters(request->filters()); !valid.ok()) {
    return ToGrpcStatus(valid);
  }
  auto volumes = LoadAll();
  if (!volumes.ok()) return ToGrpcStatus(volumes.status());
  for (Volume& volume : *volumes) {
    if (!MatchesFilters(volume, request->filters())) continue;
    if (request->include_size()) volume.set_size(DiskUsage(Directory(volume.name())).value_or(0));
    *response->add_volumes() = std::move(volume);
  }
  return grpc::Status::OK;
}

absl::StatusOr<int64_t> VolumesService::Delete(const std::string& name, bool only_if_unused) {
  std::string trash = absl::StrCat(root_, "/", kTrashPrefix, name, "-", RandomHex(4));
  int64_t size = DiskUsage(Directory(name)).value_or(0);
  absl::Status status = db_->Transaction([&](store::Database& db) -> absl::Status {
    if (only_if_unused) {
      // Checked inside the transaction: a container may start using the
      // volume between the caller's look and this delete.
      auto users = db.Prepare("SELECT group_concat(container_id, ', ') FROM volume_users "
                              "WHERE volume = ?");
      if (!users.ok()) return users.status();
      users->Bind(1, name);
      auto row = users->Step();
      if (!row.ok()) return row.status();
      if (*row && !users->ColumnIsNull(0)) {
        return absl::FailedPreconditionError(absl::StrCat(
            "remove ", name, ": volume is in use - [", users->ColumnText(0), "]"));
      }
    }
    absl::Status deleted = db.Run("DELETE FROM volumes WHERE name = ?", name);
    if (!deleted.ok()) return deleted;
    // A local volume's filesystem still mounted (a crash between a release
    // and its unmount): it goes first.
    std::string data = Directory(name) + "/_data";
    if (IsMountPoint(data) && ::umount2(data.c_str(), MNT_DETACH) != 0) {
      return absl::ErrnoToStatus(errno, absl::StrCat("remove ", name, ": unmount"));
    }
    if (::rename(Directory(name).c_str(), trash.c_str()) != 0 && errno != ENOENT) {
      return absl::ErrnoToStatus(errno, absl::StrCat("remove ", name));
    }
    return absl::OkStatus();
  });
  if (!status.ok()) return status;
  PublishEvent("destroy", name);
  if (absl::Status removed = RemoveAll(trash); !removed.ok()) {
    BERTH_LOG(Warn) << "volume " << name << " removed, its data not yet: " << removed.message();
  }
  return size;
}

grpc::Status VolumesService::Remove(grpc::ServerContext*,
                                    const berth::snapshots::v1::RemoveVolumeRequest* request,
                                    berth::snapshots::v1::RemoveVolumeResponse*) {
  auto volume = Load(request->name());
  if (!volume.ok()) {
    // docker's -f: a missing volume is no error (a used one still is).
    if (request->force() && absl::IsNotFound(volume.status())) return grpc::Status::OK;
    return ToGrpcStatus(volume.status());
  }
  auto freed = Delete(request->name(), /*only_if_unused=*/true);
  return ToGrpcStatus(freed.status());
}

grpc::Status VolumesService::Prune(grpc::ServerContext*,
                                   const berth::snapshots::v1::PruneVolumesRequest* request,
                                   berth::snapshots::v1::PruneVolumesResponse* response) {
  if (absl::Status valid = CheckFilters(request->filters()); !valid.ok()) {
    return ToGrpcStatus(valid);
  }
  auto volumes = LoadAll();
  if (!volumes.ok()) return ToGrpcStatus(volumes.status());
  for (const Volume& volume : *volumes) {
    // As docker (API ≥ 1.42): only anonymous volumes unless --all.
    if (volume.used_by_size() > 0 || (!volume.anonymous() && !request->all())) continue;
    if (!MatchesFilters(volume, request->filters())) continue;
    auto freed = Delete(volume.name(), /*only_if_unused=*/true);
    if (freed.status().code() == absl::StatusCode::kFailedPrecondition) continue;
    if (!freed.ok()) return ToGrpcStatus(freed.status());
    response->add_deleted(volume.name());
    response->set_space_reclaimed(response->space_reclaimed() + *freed);
  }
  return grpc::Status::OK;
}

grpc::Status VolumesService::Use(grpc::ServerContext*,
                                 const berth::snapshots::v1::UseVolumeRequest* request,
                                 berth::snapshots::v1::UseVolumeResponse* response) {
  if (request->container_id().empty()) {
    return grpc::Status(grpc::StatusCode::INVALID_ARGUMENT, "use volume: no container id");
  }
  // A volume with a filesystem of its own (type/device/o) has it mounted
  // on _data while containers use it: from the first registration to the
  // last release.
  auto before = Load(request->name());
  DriverOptions options;
  if (before.ok()) options = Options(before->options());
  std::string data = Directory(request->name()) + "/_data";
  absl::MutexLock lock(&mount_mu_);
  absl::Status status = db_->Transaction([&](store::Database& db) -> absl::Status {
    if (request->release()) {
      absl::Status deleted = db.Run("DELETE FROM volume_users WHERE volume = ? AND container_id = ?",
                                    request->name(), request->container_id());
      if (!deleted.ok()) return deleted;
    } else {
      absl::Status inserted =
          db.Run("INSERT OR IGNORE INTO volume_users(volume, container_id) VALUES (?, ?)",
                 request->name(), request->container_id());
      if (!inserted.ok()) return inserted;
    }
    if (!NeedsMount(options)) return absl::OkStatus();
    auto users = db.Prepare("SELECT count(*) FROM volume_users WHERE volume = ?");
    if (!users.ok()) return users.status();
    users->Bind(1, request->name());
    if (auto row = users->Step(); !row.ok()) return row.status();
    bool used = users->ColumnInt64(0) > 0;
    if (used && !IsMountPoint(data)) return MountLocal(options, data);
    if (!used && IsMountPoint(data) && ::umount2(data.c_str(), MNT_DETACH) != 0) {
      return absl::ErrnoToStatus(errno, absl::StrCat("unmount ", data));
    }
    return absl::OkStatus();
  });
  if (!status.ok()) {
    if (absl::StrContains(status.message(), "FOREIGN KEY")) {
      return grpc::Status(grpc::StatusCode::NOT_FOUND,
                          absl::StrCat("get ", request->name(), ": no such volume"));
    }
    return ToGrpcStatus(status);
  }
  auto volume = Load(request->name());
  if (!volume.ok()) return ToGrpcStatus(volume.status());
  *response->mutable_volume() = *std::move(volume);
  return grpc::Status::OK;
}

absl::StatusOr<bool> VolumesService::CopyFromSnapshot(const std::string& key,
                                                      const std::string& path,
                                                      const std::string& volume_data) {
  if (snapshotter_ == nullptr) return absl::FailedPreconditionError("no snapshotter");
  auto mounts = snapshotter_->Mounts(key);
  if (!mounts.ok()) return mounts.status();
  // Read-only: the copy only reads, and the container's layer stays as it was.
  for (auto& mount : *mounts) mount.add_options("ro");
  std::string target = absl::StrCat(root_, "/", kRootfsPrefix, RandomHex(8));
  if (::mkdir(target.c_str(), 0700) != 0) {
    return absl::ErrnoToStatus(errno, absl::StrCat("mkdir ", target));
  }
  absl::StatusOr<bool> copied = false;
  if (absl::Status mounted = mount::MountAll(*mounts, target); !mounted.ok()) {
    copied = mounted;
  } else {
    mount::ScopedMount rootfs(target);
    copied = CopyUp(target, path, volume_data);
  }
  ::rmdir(target.c_str());
  return copied;
}

grpc::Status VolumesService::Populate(grpc::ServerContext*,
                                      const berth::snapshots::v1::PopulateVolumeRequest* request,
                                      berth::snapshots::v1::PopulateVolumeResponse* response) {
  if (request->path().empty() || request->path()[0] != '/') {
    return grpc::Status(grpc::StatusCode::INVALID_ARGUMENT,
                        absl::StrCat("populate ", request->name(), ": path must be absolute"));
  }
  absl::MutexLock lock(&populate_mu_);
  auto volume = Load(request->name());
  if (!volume.ok()) return ToGrpcStatus(volume.status());
  // Docker copies once: a volume emptied later stays empty.
  if (volume->populated()) {
    *response->mutable_volume() = *std::move(volume);
    return grpc::Status::OK;
  }
  auto copied = CopyFromSnapshot(request->snapshot_key(), request->path(),
                                 Directory(request->name()) + "/_data");
  if (!copied.ok()) {
    return ToGrpcStatus(absl::Status(
        copied.status().code(), absl::StrCat("populate volume ", request->name(), " from ",
                                             request->snapshot_key(), ":", request->path(), ": ",
                                             copied.status().message())));
  }
  if (*copied) {
    absl::Status marked = db_->Run("UPDATE volumes SET populated = 1 WHERE name = ?",
                                   request->name());
    if (!marked.ok()) return ToGrpcStatus(marked);
    volume->set_populated(true);
  }
  response->set_copied(*copied);
  *response->mutable_volume() = *std::move(volume);
  return grpc::Status::OK;
}

}  // namespace berth::snapshots
