#include "services/images/garbage_collector.h"

#include <dirent.h>

#include <map>
#include <set>

#include "absl/strings/match.h"
#include "services/images/manifest.h"

namespace berth::images {

absl::Status GarbageCollector::Referenced(std::set<std::string>* blobs,
                                          std::set<std::string>* chains) {
  if (leases_ != nullptr) {
    auto held = leases_->HeldContent();
    if (!held.ok()) return held.status();
    blobs->insert(held->begin(), held->end());
  }
  // An image of any namespace keeps its content.
  auto records = images_->ListAll();
  if (!records.ok()) return records.status();
  for (const ImageRecord& record : *records) {
    std::vector<std::string> manifests = {record.target.digest()};
    blobs->insert(record.target.digest());
    if (IsIndex(record.target.media_type())) {
      // Keep whichever of the index's manifests we hold.
      auto body = content_->ReadAll(record.target.digest());
      if (body.ok()) {
        auto index = ParseIndex(*body);
        if (index.ok()) {
          for (const Descriptor& entry : index->manifests) {
            if (content_->Exists(entry.digest())) manifests.push_back(entry.digest());
          }
        }
      }
    }
    for (const std::string& digest : manifests) {
      blobs->insert(digest);
      auto body = content_->ReadAll(digest);
      if (!body.ok() || (IsIndex(record.target.media_type()) && digest == record.target.digest())) {
        continue;
      }
      auto manifest = ParseManifest(*body);
      if (!manifest.ok()) continue;
      blobs->insert(manifest->config.digest());
      for (const Descriptor& layer : manifest->layers) blobs->insert(layer.digest());
      auto config_body = content_->ReadAll(manifest->config.digest());
      if (!config_body.ok()) continue;
      auto config = ParseConfig(*config_body);
      if (!config.ok()) continue;
      for (const std::string& chain : ChainIds(config->diff_ids)) chains->insert(chain);
    }
  }
  return absl::OkStatus();
}

absl::StatusOr<CollectResult> GarbageCollector::Collect() {
  std::set<std::string> blobs, chains;
  if (absl::Status status = Referenced(&blobs, &chains); !status.ok()) return status;
  // Snapshots a lease holds: a pull's layers and its unpacking snapshot.
  std::set<std::string> held_snapshots;
  if (leases_ != nullptr) {
    auto held = leases_->HeldSnapshots();
    if (!held.ok()) return held.status();
    held_snapshots = *std::move(held);
  }
  CollectResult result;

  // Content.
  std::string dir = content_->root() + "/blobs/sha256";
  DIR* listing = ::opendir(dir.c_str());
  if (listing == nullptr) return absl::ErrnoToStatus(errno, "open " + dir);
  std::vector<std::string> unreferenced;
  while (dirent* entry = ::readdir(listing)) {
    std::string name = entry->d_name;
    if (name.size() != 64) continue;
    if (blobs.count("sha256:" + name) == 0) unreferenced.push_back("sha256:" + name);
  }
  ::closedir(listing);
  for (const std::string& digest : unreferenced) {
    auto size = content_->Size(digest);
    if (absl::Status status = content_->Delete(digest); !status.ok()) return status;
    result.deleted_blobs.push_back(digest);
    result.bytes_freed += size.value_or(0);
  }

  // Snapshots: committed layers no image needs, leaves first, and the
  // unpacking snapshots of pulls that died (none without a snapshots
  // service: a content-only collection).
  while (snapshots_ != nullptr) {
    grpc::ClientContext context;
    berth::snapshots::v1::ListResponse list;
    grpc::Status listed = snapshots_->List(&context, {}, &list);
    if (!listed.ok()) {
      return absl::UnavailableError("list snapshots: " + listed.error_message());
    }
    std::map<std::string, int> children;
    for (const auto& info : list.info()) children[info.parent()]++;
    std::vector<std::string> removable;
    for (const auto& info : list.info()) {
      bool stale_extract = info.kind() == berth::snapshots::v1::ACTIVE &&
                           absl::StartsWith(info.name(), "extract-");
      bool unused_layer = info.kind() == berth::snapshots::v1::COMMITTED &&
                          chains.count(info.name()) == 0;
      if ((stale_extract || unused_layer) && children[info.name()] == 0 &&
          held_snapshots.count(info.name()) == 0) {
        removable.push_back(info.name());
      }
    }
    if (removable.empty()) break;
    for (const std::string& key : removable) {
      grpc::ClientContext remove_context;
      berth::snapshots::v1::UsageRequest usage_request;
      usage_request.set_key(key);
      berth::snapshots::v1::UsageResponse usage;
      grpc::ClientContext usage_context;
      if (snapshots_->Usage(&usage_context, usage_request, &usage).ok()) {
        result.bytes_freed += usage.size();
      }
      berth::snapshots::v1::RemoveRequest request;
      request.set_key(key);
      berth::snapshots::v1::RemoveResponse removed;
      grpc::Status status = snapshots_->Remove(&remove_context, request, &removed);
      if (!status.ok()) return absl::UnavailableError("remove snapshot " + key + ": " + status.error_message());
      result.removed_snapshots.push_back(key);
    }
  }
  return result;
}

}  // namespace berth::images
