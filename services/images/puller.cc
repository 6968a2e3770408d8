#include "services/images/puller.h"


#include "absl/strings/str_cat.h"
#include "absl/synchronization/mutex.h"
#include "services/common/fs/fs_util.h"

namespace berth::images {
namespace {

using berth::images::v1::Progress;

Progress Line(const std::string& id, const std::string& status, int64_t current = 0,
              int64_t total = 0) {
  Progress progress;
  progress.set_id(id);
  progress.set_status(status);
  progress.set_current(current);
  progress.set_total(total);
  return progress;
}

}  // namespace

std::string ShortId(const std::string& digest) {
  auto hex = DigestHex(digest);
  return hex.ok() ? hex->substr(0, 12) : digest;
}

absl::Status Puller::FetchSmall(RegistryClient& client, const Descriptor& descriptor) {
  if (content_->Exists(descriptor.digest())) return absl::OkStatus();
  if (descriptor.size() > (16 << 20)) {
    return absl::InvalidArgumentError(
        absl::StrCat(descriptor.digest(), ": config of ", descriptor.size(), " bytes is too big"));
  }
  auto writer = content_->Writer(descriptor.digest(), descriptor.size());
  if (!writer.ok()) return writer.status();
  absl::Status fetched = client.FetchBlob(descriptor.digest(), descriptor.size(), writer->get(), {});
  if (!fetched.ok()) return fetched;
  return (*writer)->Commit();
}

absl::Status Puller::Hold(const HoldFn& hold, const std::vector<std::string>& digests,
                          const std::vector<std::string>& snapshot_keys) {
  return hold ? hold(digests, snapshot_keys) : absl::OkStatus();
}

bool Puller::SnapshotExists(const std::string& key) {
  grpc::ClientContext context;
  berth::snapshots::v1::StatRequest request;
  request.set_key(key);
  berth::snapshots::v1::Info info;
  return snapshots_->Stat(&context, request, &info).ok();
}

absl::StatusOr<bool> Puller::Unpack(const Manifest& manifest, const ImageConfig& config,
                                    size_t layer, const std::vector<std::string>& chain,
                                    const ProgressFn& progress, const HoldFn& hold) {
  const Descriptor& descriptor = manifest.layers[layer];
  std::string id = ShortId(descriptor.digest());
  if (SnapshotExists(chain[layer])) return false;
  std::string key = absl::StrCat("extract-", fs::RandomHex(6), " ", chain[layer]);
  if (absl::Status held = Hold(hold, {}, {key}); !held.ok()) return held;
  {
    grpc::ClientContext context;
    berth::snapshots::v1::PrepareRequest request;
    request.set_key(key);
    request.set_parent(layer == 0 ? "" : chain[layer - 1]);
    berth::snapshots::v1::MountsResponse mounts;
    grpc::Status status = snapshots_->Prepare(&context, request, &mounts);
    if (!status.ok()) {
      return absl::Status(static_cast<absl::StatusCode>(status.error_code()),
                          absl::StrCat("layer ", descriptor.digest(), ": prepare snapshot: ",
                                       status.error_message()));
    }
  }
  progress(Line(id, "Extracting", 0, descriptor.size()));
  auto remove = [&] {
    grpc::ClientContext context;
    berth::snapshots::v1::RemoveRequest request;
    request.set_key(key);
    berth::snapshots::v1::RemoveResponse removed;
    (void)snapshots_->Remove(&context, request, &removed);
  };
  {
    grpc::ClientContext context;
    berth::snapshots::v1::ApplyResponse applied;
    auto writer = snapshots_->Apply(&context, &applied);
    berth::snapshots::v1::ApplyRequest header;
    header.mutable_header()->set_key(key);
    *header.mutable_header()->mutable_layer() = descriptor;
    // The snapshots service reads the blob in place: a path this service
    // hands out, not a copy through the socket.
    header.mutable_header()->set_content_path(content_->BlobPath(*DigestHex(descriptor.digest())));
    header.mutable_header()->set_expected_diff_id(config.diff_ids[layer]);
    writer->Write(header);
    writer->WritesDone();
    grpc::Status status = writer->Finish();
    if (!status.ok()) {
      remove();
      return absl::Status(static_cast<absl::StatusCode>(status.error_code()),
                          status.error_message());
    }
  }
  {
    grpc::ClientContext context;
    berth::snapshots::v1::CommitRequest request;
    request.set_name(chain[layer]);
    request.set_key(key);
    berth::snapshots::v1::CommitResponse committed;
    grpc::Status status = snapshots_->Commit(&context, request, &committed);
    if (!status.ok()) {
      remove();
      // Another pull of the same layer won the race: that is fine.
      if (status.error_code() == grpc::StatusCode::ALREADY_EXISTS) return false;
      return absl::Status(static_cast<absl::StatusCode>(status.error_code()),
                          absl::StrCat("layer ", descriptor.digest(), ": commit: ",
                                       status.error_message()));
    }
  }
  return true;
}

int64_t Puller::UnpackedSize(const Manifest& manifest, const std::vector<std::string>& chain) {
  int64_t size = 0;
  for (size_t i = 0; i < chain.size(); ++i) {
    grpc::ClientContext context;
    berth::snapshots::v1::UsageRequest request;
    request.set_key(chain[i]);
    berth::snapshots::v1::UsageResponse usage;
    // The compressed size stands in when the snapshot cannot say.
    size += snapshots_->Usage(&context, request, &usage).ok() ? usage.size()
                                                              : manifest.layers[i].size();
  }
  return size;
}

absl::StatusOr<int64_t> Puller::UnpackAll(const Manifest& manifest, const ImageConfig& config,
                                          const ProgressFn& progress, const HoldFn& hold) {
  if (config.diff_ids.size() != manifest.layers.size()) {
    return absl::InvalidArgumentError("layers and diff ids differ in number");
  }
  std::vector<std::string> chain = ChainIds(config.diff_ids);
  if (absl::Status held = Hold(hold, {}, chain); !held.ok()) return held;
  for (size_t i = 0; i < manifest.layers.size(); ++i) {
    auto unpacked = Unpack(manifest, config, i, chain, progress, hold);
    if (!unpacked.ok()) return unpacked.status();
  }
  return UnpackedSize(manifest, chain);
}

absl::StatusOr<PullResult> Puller::Pull(const Reference& reference, const PullOptions& options,
                                        const ProgressFn& progress) {
  RegistryClient client(reference, options.registry);
  std::string wanted = reference.digest.empty() ? reference.tag : reference.digest;
  auto top = client.GetManifest(wanted);
  if (!top.ok()) return top.status();
  auto top_type = ClassifyManifest(top->media_type, top->body);
  if (!top_type.ok()) return top_type.status();

  std::vector<std::string> content = {top->digest};
  if (absl::Status held = Hold(options.hold, {top->digest}); !held.ok()) return held;
  FetchedManifest manifest_blob = *top;
  Descriptor target;
  target.set_media_type(*top_type);
  target.set_digest(top->digest);
  target.set_size(static_cast<int64_t>(top->body.size()));
  if (IsIndex(*top_type)) {
    auto index = ParseIndex(top->body);
    if (!index.ok()) return index.status();
    auto chosen = SelectManifest(*index, options.platform);
    if (!chosen.ok()) return chosen.status();
    if (absl::Status held = Hold(options.hold, {chosen->digest()}); !held.ok()) return held;
    auto fetched = client.GetManifest(chosen->digest());
    if (!fetched.ok()) return fetched.status();
    manifest_blob = *std::move(fetched);
    content.push_back(manifest_blob.digest);
    if (absl::Status status = content_->Put(top->digest, top->body); !status.ok()) return status;
  }
  auto manifest_type = ClassifyManifest(manifest_blob.media_type, manifest_blob.body);
  if (!manifest_type.ok()) return manifest_type.status();
  if (!IsManifest(*manifest_type)) {
    return absl::InvalidArgumentError("index points at another index; nested indexes are not supported");
  }
  auto manifest = ParseManifest(manifest_blob.body);
  if (!manifest.ok()) return manifest.status();
  if (absl::Status status = content_->Put(manifest_blob.digest, manifest_blob.body); !status.ok()) {
    return status;
  }
  if (absl::Status held = Hold(options.hold, {manifest->config.digest()}); !held.ok()) return held;
  if (absl::Status status = FetchSmall(client, manifest->config); !status.ok()) {
    return absl::Status(status.code(), absl::StrCat("config ", manifest->config.digest(), ": ",
                                                    status.message()));
  }
  content.push_back(manifest->config.digest());
  auto config_json = content_->ReadAll(manifest->config.digest());
  if (!config_json.ok()) return config_json.status();
  auto config = ParseConfig(*config_json);
  if (!config.ok()) return config.status();
  if (config->diff_ids.size() != manifest->layers.size()) {
    return absl::InvalidArgumentError(absl::StrCat(
        "manifest has ", manifest->layers.size(), " layers but its config lists ",
        config->diff_ids.size(), " diff ids"));
  }
  std::vector<std::string> chain = ChainIds(config->diff_ids);
  // Every layer blob and snapshot this image needs is held before the
  // pull looks for it: one that exists now cannot go before the image is
  // recorded.
  {
    std::vector<std::string> layers;
    for (const Descriptor& layer : manifest->layers) layers.push_back(layer.digest());
    if (absl::Status held = Hold(options.hold, layers, chain); !held.ok()) return held;
  }

  // Downloads run on a few threads, within the service's limit; this
  // thread unpacks layer i as soon as layers 0..i are in the store.
  size_t count = manifest->layers.size();
  absl::Mutex mu;
  std::vector<int> state(count, 0);  // 0 waiting, 1 done, -1 failed
  std::vector<absl::Status> errors(count);
  auto download = [&](size_t i) {
    const Descriptor& layer = manifest->layers[i];
    std::string id = ShortId(layer.digest());
    absl::Status status;
    if (options.unpack && SnapshotExists(chain[i])) {
      progress(Line(id, "Already exists"));
    } else if (content_->Exists(layer.digest())) {
      progress(Line(id, "Download complete"));
    } else {
      progress(Line(id, "Pulling fs layer"));
      auto writer = content_->Writer(layer.digest(), layer.size());
      if (writer.ok()) {
        int64_t last_report = -1;
        status = client.FetchBlob(layer.digest(), layer.size(), writer->get(),
                                  [&](int64_t done) {
                                    // A line per ~1% keeps the stream small.
                                    if (done - last_report >= layer.size() / 100 + 1) {
                                      last_report = done;
                                      progress(Line(id, "Downloading", done, layer.size()));
                                    }
                                  });
        if (status.ok()) {
          progress(Line(id, "Verifying Checksum"));
          status = (*writer)->Commit();
        }
        if (status.ok()) progress(Line(id, "Download complete"));
      } else {
        status = writer.status();
      }
      if (!status.ok()) {
        status = absl::Status(status.code(),
                              absl::StrCat("layer ", layer.digest(), ": ", status.message()));
      }
    }
    absl::MutexLock lock(&mu);
    errors[i] = status;
    state[i] = status.ok() ? 1 : -1;
  };
  TransferLimit own_limit([] { return 3; });
  Transfers downloads(count, options.downloads != nullptr ? options.downloads : &own_limit,
                      download);

  absl::Status failure;
  for (size_t i = 0; i < count && failure.ok(); ++i) {
    {
      absl::MutexLock lock(&mu);
      mu.Await(absl::Condition(
          +[](int* s) { return *s != 0; }, &state[i]));
      if (state[i] < 0) failure = errors[i];
    }
    if (!failure.ok() || !options.unpack) continue;
    auto unpacked = Unpack(*manifest, *config, i, chain, progress, options.hold);
    if (!unpacked.ok()) {
      failure = unpacked.status();
    } else if (*unpacked) {
      progress(Line(ShortId(manifest->layers[i].digest()), "Pull complete"));
    }
  }
  downloads.Join();
  if (!failure.ok()) return failure;
  for (const Descriptor& layer : manifest->layers) content.push_back(layer.digest());
  // docker reports the unpacked size.
  int64_t total_size = UnpackedSize(*manifest, chain);

  ImageRecord record;
  record.target = target;
  record.config_digest = manifest->config.digest();
  record.size = total_size;
  record.image_created = config->created;
  std::vector<ImageRecord> records;
  record.name = reference.String();
  records.push_back(record);
  if (!reference.tag.empty()) {
    // docker's RepoDigests: the name pinned to what the tag resolved to.
    ImageRecord pinned = record;
    pinned.name = reference.Name() + "@" + target.digest();
    records.push_back(pinned);
  }
  auto changed = images_->Put(records, content);
  if (!changed.ok()) return changed.status();
  PullResult result;
  result.image = record;
  result.resolved_digest = target.digest();
  result.updated = *changed;
  return result;
}

}  // namespace berth::images
