#include "services/snapshots/snapshots_service.h"

#include <fcntl.h>
#include <sys/stat.h>

#include <cstring>

#include "absl/strings/str_cat.h"
#include "services/common/base/grpc_status.h"
#include "services/common/base/unique_fd.h"
#include "services/snapshots/apply.h"
#include "services/snapshots/changes_list.h"
#include "services/snapshots/diff.h"
#include "services/snapshots/snapshot_filters.h"

namespace berth::snapshots {
namespace {

Labels ToLabels(const google::protobuf::Map<std::string, std::string>& map) {
  return Labels(map.begin(), map.end());
}

grpc::Status FillMounts(const absl::StatusOr<std::vector<Mount>>& mounts,
                        berth::snapshots::v1::MountsResponse* response) {
  if (!mounts.ok()) return ToGrpcStatus(mounts.status());
  for (const Mount& mount : *mounts) *response->add_mounts() = mount;
  return grpc::Status::OK;
}

}  // namespace

grpc::Status SnapshotsService::Prepare(grpc::ServerContext*,
                                       const berth::snapshots::v1::PrepareRequest* request,
                                       berth::snapshots::v1::MountsResponse* response) {
  return FillMounts(
      snapshotter_->Prepare(request->key(), request->parent(), ToLabels(request->labels())),
      response);
}

grpc::Status SnapshotsService::View(grpc::ServerContext*,
                                    const berth::snapshots::v1::ViewRequest* request,
                                    berth::snapshots::v1::MountsResponse* response) {
  return FillMounts(
      snapshotter_->View(request->key(), request->parent(), ToLabels(request->labels())),
      response);
}

grpc::Status SnapshotsService::Mounts(grpc::ServerContext*,
                                      const berth::snapshots::v1::MountsRequest* request,
                                      berth::snapshots::v1::MountsResponse* response) {
  return FillMounts(snapshotter_->Mounts(request->key()), response);
}

grpc::Status SnapshotsService::Commit(grpc::ServerContext*,
                                      const berth::snapshots::v1::CommitRequest* request,
                                      berth::snapshots::v1::CommitResponse* response) {
  auto info = snapshotter_->Commit(request->name(), request->key(), ToLabels(request->labels()));
  if (!info.ok()) return ToGrpcStatus(info.status());
  *response->mutable_info() = *std::move(info);
  return grpc::Status::OK;
}

grpc::Status SnapshotsService::Remove(grpc::ServerContext*,
                                      const berth::snapshots::v1::RemoveRequest* request,
                                      berth::snapshots::v1::RemoveResponse*) {
  return ToGrpcStatus(snapshotter_->Remove(request->key()));
}

grpc::Status SnapshotsService::Stat(grpc::ServerContext*,
                                    const berth::snapshots::v1::StatRequest* request,
                                    berth::snapshots::v1::Info* response) {
  auto info = snapshotter_->Stat(request->key());
  if (!info.ok()) return ToGrpcStatus(info.status());
  *response = *std::move(info);
  return grpc::Status::OK;
}

grpc::Status SnapshotsService::List(grpc::ServerContext*,
                                    const berth::snapshots::v1::ListRequest* request,
                                    berth::snapshots::v1::ListResponse* response) {
  auto filter = SnapshotFilter::Parse({request->filters().begin(), request->filters().end()});
  if (!filter.ok()) return ToGrpcStatus(filter.status());
  auto infos = snapshotter_->List();
  if (!infos.ok()) return ToGrpcStatus(infos.status());
  for (Info& info : *infos) {
    if (filter->Matches(info)) *response->add_info() = std::move(info);
  }
  return grpc::Status::OK;
}

grpc::Status SnapshotsService::Usage(grpc::ServerContext*,
                                     const berth::snapshots::v1::UsageRequest* request,
                                     berth::snapshots::v1::UsageResponse* response) {
  auto usage = snapshotter_->GetUsage(request->key());
  if (!usage.ok()) return ToGrpcStatus(usage.status());
  response->set_size(usage->size);
  response->set_inodes(usage->inodes);
  return grpc::Status::OK;
}

absl::StatusOr<mount::ScopedMount> SnapshotsService::MountView(const std::string& key) {
  auto mounts = snapshotter_->Mounts(key);
  if (!mounts.ok()) return mounts.status();
  auto upper = snapshotter_->UpperDir(key);
  if (!upper.ok()) return upper.status();
  std::string target = upper->substr(0, upper->rfind('/')) + "/view";
  if (::mkdir(target.c_str(), 0700) != 0 && errno != EEXIST) {
    return absl::ErrnoToStatus(errno, "mkdir " + target);
  }
  if (absl::Status mounted = mount::MountAll(*mounts, target); !mounted.ok()) return mounted;
  return mount::ScopedMount(target);
}

grpc::Status SnapshotsService::Apply(grpc::ServerContext*,
                                     grpc::ServerReader<berth::snapshots::v1::ApplyRequest>* reader,
                                     berth::snapshots::v1::ApplyResponse* response) {
  berth::snapshots::v1::ApplyRequest first;
  if (!reader->Read(&first) || !first.has_header()) {
    return grpc::Status(grpc::StatusCode::INVALID_ARGUMENT, "apply: the first message must be a header");
  }
  const auto& header = first.header();
  auto upper = snapshotter_->UpperDir(header.key());
  if (!upper.ok()) return ToGrpcStatus(upper.status());

  ApplyOptions options;
  options.layer_name = header.layer().digest().empty() ? header.key() : header.layer().digest();
  options.whiteouts = snapshotter_->driver() == Driver::kOverlay ? WhiteoutMode::kOverlay
                                                                 : WhiteoutMode::kDelete;
  // Files copied in go through the mounted snapshot, as if a process of a
  // container wrote them.
  std::string root = *upper;
  mount::ScopedMount view;
  if (header.into_view()) {
    options.whiteouts = WhiteoutMode::kRefuse;
    options.keep_existing_directories = header.keep_existing_directories();
    auto mounted = MountView(header.key());
    if (!mounted.ok()) return ToGrpcStatus(mounted.status(), "apply to " + header.key());
    view = *std::move(mounted);
    root = view.target();
  }
  options.expected_digest = header.layer().digest();
  options.expected_diff_id = header.expected_diff_id();
  options.max_bytes = max_layer_bytes_;
  options.max_entries = max_layer_entries_;

  UniqueFd file;
  ByteSource source;
  if (!header.content_path().empty()) {
    // A blob the images service hands out by path: read it in place.
    file.Reset(::open(header.content_path().c_str(), O_RDONLY | O_CLOEXEC));
    if (!file.valid()) {
      return ToGrpcStatus(absl::ErrnoToStatus(
          errno, absl::StrCat("apply ", options.layer_name, ": open ", header.content_path())));
    }
    source = FileSource(file.get());
  } else {
    // The layer arrives as data messages after the header.
    auto pending = std::make_shared<std::string>();
    auto offset = std::make_shared<size_t>(0);
    source = [reader, pending, offset](char* buffer, size_t size) -> absl::StatusOr<size_t> {
      while (*offset == pending->size()) {
        berth::snapshots::v1::ApplyRequest message;
        if (!reader->Read(&message)) return 0;
        *pending = message.data();
        *offset = 0;
      }
      size_t n = std::min(size, pending->size() - *offset);
      std::memcpy(buffer, pending->data() + *offset, n);
      *offset += n;
      return n;
    };
  }
  auto result = ApplyLayer(std::move(source), root, options);
  if (!result.ok()) return ToGrpcStatus(result.status());
  response->set_diff_id(result->diff_id);
  response->set_uncompressed_size(result->uncompressed_size);
  return grpc::Status::OK;
}

grpc::Status SnapshotsService::Diff(grpc::ServerContext*,
                                    const berth::snapshots::v1::DiffRequest* request,
                                    grpc::ServerWriter<berth::snapshots::v1::DiffResponse>* writer) {
  auto upper = snapshotter_->UpperDir(request->key());
  if (!upper.ok()) return ToGrpcStatus(upper.status());
  // A native snapshot is a full copy: its changes are what differs from
  // its parent's copy.
  std::string parent;
  if (snapshotter_->driver() == Driver::kNative) {
    auto lowers = snapshotter_->LowerDirs(request->key());
    if (!lowers.ok()) return ToGrpcStatus(lowers.status());
    if (!lowers->empty()) parent = lowers->front();
  }
  DiffOptions options;
  if (!request->compression().empty()) options.compression = request->compression();
  options.exclude.assign(request->exclude().begin(), request->exclude().end());
  std::string pending;
  auto flush = [&](bool all) {
    while (pending.size() >= (1 << 20) || (all && !pending.empty())) {
      size_t n = std::min(pending.size(), size_t{1} << 20);
      berth::snapshots::v1::DiffResponse chunk;
      chunk.set_data(pending.substr(0, n));
      if (!writer->Write(chunk)) return false;
      pending.erase(0, n);
    }
    return true;
  };
  auto sink = [&](const char* data, size_t size) {
    pending.append(data, size);
    return flush(false);
  };
  auto result = snapshotter_->driver() == Driver::kNative
                    ? WriteNativeDiff(*upper, parent, options, sink)
                    : WriteOverlayDiff(*upper, options, sink);
  if (!result.ok()) return ToGrpcStatus(result.status());
  if (!flush(true)) return grpc::Status(grpc::StatusCode::CANCELLED, "diff: the client went away");
  berth::snapshots::v1::DiffResponse last;
  last.mutable_result()->mutable_layer()->set_media_type(result->media_type);
  last.mutable_result()->mutable_layer()->set_digest(result->digest);
  last.mutable_result()->mutable_layer()->set_size(result->size);
  last.mutable_result()->set_diff_id(result->diff_id);
  writer->Write(last);
  return grpc::Status::OK;
}

grpc::Status SnapshotsService::Changes(grpc::ServerContext*,
                                       const berth::snapshots::v1::ChangesRequest* request,
                                       berth::snapshots::v1::ChangesResponse* response) {
  auto upper = snapshotter_->UpperDir(request->key());
  if (!upper.ok()) return ToGrpcStatus(upper.status());
  auto lowers = snapshotter_->LowerDirs(request->key());
  if (!lowers.ok()) return ToGrpcStatus(lowers.status());
  std::vector<std::string> exclude(request->exclude().begin(), request->exclude().end());
  auto changes = snapshotter_->driver() == Driver::kNative
                     ? NativeChanges(*upper, lowers->empty() ? "" : lowers->front(), exclude)
                     : OverlayChanges(*upper, *lowers, exclude);
  if (!changes.ok()) return ToGrpcStatus(changes.status());
  for (const Change& change : *changes) {
    auto* out = response->add_changes();
    out->set_path(change.path);
    out->set_kind(static_cast<berth::types::v1::FilesystemChange::Kind>(change.kind));
  }
  return grpc::Status::OK;
}

}  // namespace berth::snapshots
