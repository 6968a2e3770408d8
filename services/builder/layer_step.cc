#include "services/builder/layer_step.h"

#include "absl/cleanup/cleanup.h"
#include "absl/strings/str_cat.h"
#include "services/common/digest/sha256.h"
#include "services/common/fs/fs_util.h"
#include "services/common/layers/layer_upload.h"

namespace berth::builder {
namespace {

constexpr size_t kChunk = 1 << 20;

absl::Status ApplyFiles(Backends* backends, const std::string& key, bool keep_existing,
                        const TarProducer& write_tar) {
  auto context = Call();
  berth::snapshots::v1::ApplyResponse response;
  auto writer = backends->snapshots->Apply(context.get(), &response);
  berth::snapshots::v1::ApplyRequest header;
  header.mutable_header()->set_key(key);
  header.mutable_header()->set_into_view(true);
  header.mutable_header()->set_keep_existing_directories(keep_existing);
  bool open = writer->Write(header);
  std::string pending;
  auto flush = [&] {
    if (pending.empty() || !open) return open;
    berth::snapshots::v1::ApplyRequest data;
    data.set_data(std::move(pending));
    pending.clear();
    open = writer->Write(data);
    return open;
  };
  absl::Status produced = write_tar([&](const char* data, size_t size) {
    pending.append(data, size);
    return pending.size() < kChunk || flush();
  });
  flush();
  writer->WritesDone();
  grpc::Status status = writer->Finish();
  if (!produced.ok()) return produced;
  if (!status.ok()) return FromGrpc(status, "write the files");
  return absl::OkStatus();
}

absl::StatusOr<std::string> CreateImage(Backends* backends, const std::string& ns,
                                        berth::images::v1::CreateImageRequest request) {
  berth::images::v1::CreateImageResponse response;
  auto context = CallIn(ns);
  grpc::Status status = backends->images->Create(context.get(), request, &response);
  if (!status.ok()) return FromGrpc(status, "create the step's image");
  return response.image().id();
}

}  // namespace

absl::StatusOr<std::string> CommitFiles(Backends* backends, const std::string& scratch_dir,
                                        const LayerStep& step, const TarProducer& write_tar) {
  std::string key = "build-" + fs::RandomHex(8);
  {
    berth::snapshots::v1::PrepareRequest prepare;
    prepare.set_key(key);
    prepare.set_parent(step.parent_chain_id);
    berth::snapshots::v1::MountsResponse mounts;
    auto context = Call();
    grpc::Status status = backends->snapshots->Prepare(context.get(), prepare, &mounts);
    if (!status.ok()) return FromGrpc(status, "prepare a snapshot");
  }
  absl::Cleanup remove = [&] {
    berth::snapshots::v1::RemoveRequest request;
    request.set_key(key);
    berth::snapshots::v1::RemoveResponse response;
    auto context = Call();
    (void)backends->snapshots->Remove(context.get(), request, &response);
  };
  if (absl::Status applied = ApplyFiles(backends, key, step.keep_existing_directories, write_tar);
      !applied.ok()) {
    return applied;
  }
  auto lease = layers::ContentLease::Create(backends->images.get());
  if (!lease.ok()) return lease.status();
  auto layer = layers::UploadSnapshotDiff(backends->snapshots.get(), backends->images.get(), key,
                                          {}, scratch_dir, lease->id());
  if (!layer.ok()) return layer.status();
  // The snapshot written is the new layer's: committed under its chain id,
  // the images service finds it unpacked already instead of extracting the
  // blob again (containerd's and BuildKit's way). One that exists already
  // is the same layer.
  {
    berth::snapshots::v1::CommitRequest commit;
    commit.set_key(key);
    commit.set_lease(lease->id());
    commit.set_name(step.parent_chain_id.empty()
                        ? layer->diff_id
                        : Sha256::Of(step.parent_chain_id + " " + layer->diff_id));
    berth::snapshots::v1::CommitResponse committed;
    auto context = Call();
    (void)backends->snapshots->Commit(context.get(), commit, &committed);
  }
  berth::images::v1::CreateImageRequest create;
  create.set_parent(step.parent_image);
  *create.add_layers() = layer->descriptor;
  create.add_diff_ids(layer->diff_id);
  create.set_config_json(step.config_json);
  create.set_created_by(step.created_by);
  create.set_author(step.author);
  return CreateImage(backends, step.ns, std::move(create));
}

absl::StatusOr<std::string> CommitConfig(Backends* backends, const std::string& ns,
                                         const std::string& parent_image,
                                         const std::string& config_json,
                                         const std::string& created_by,
                                         const std::string& author) {
  berth::images::v1::CreateImageRequest create;
  create.set_parent(parent_image);
  create.set_config_json(config_json);
  create.set_created_by(created_by);
  create.set_author(author);
  return CreateImage(backends, ns, std::move(create));
}

}  // namespace berth::builder
