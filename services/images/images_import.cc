// Import: a root filesystem tarball (plain, gzip or zstd) becomes a
// one-layer image, with --change instructions applied to its config.

#include <fcntl.h>
#include <unistd.h>

#include <cstring>
#include <optional>

#include "absl/strings/str_cat.h"
#include "absl/time/clock.h"
#include "nlohmann/json.hpp"
#include "services/common/base/grpc_status.h"
#include "services/common/digest/sha256.h"
#include "services/images/changes.h"
#include "services/images/images_service.h"
#include "services/images/manifest.h"
#include "services/images/media_types.h"
#include "services/images/puller.h"
#include "services/images/reference.h"
#include "services/common/digest/layer_stream.h"

namespace berth::images {

grpc::Status ImagesService::Import(grpc::ServerContext* context,
                                   grpc::ServerReader<berth::images::v1::ImportRequest>* reader,
                                   berth::images::v1::ImportResponse* response) {
  auto scoped = Scoped(context);
  if (!scoped.ok()) return ToGrpcStatus(scoped.status());
  berth::images::v1::ImportRequest first;
  if (!reader->Read(&first) || !first.has_header()) {
    return grpc::Status(grpc::StatusCode::INVALID_ARGUMENT, "import: the first message must be a header");
  }
  const auto& header = first.header();
  std::optional<absl::ReaderMutexLock> whole_import;
  auto lease = BeginOperation("import", &whole_import);
  if (!lease.ok()) return ToGrpcStatus(lease.status(), "import");
  HoldFn hold = HoldFor(lease->get());
  std::optional<Reference> reference;
  if (!header.ref().empty()) {
    auto parsed = ParseReference(header.ref());
    if (!parsed.ok()) return ToGrpcStatus(parsed.status());
    reference = *parsed;
  }
  nlohmann::json container_config = nlohmann::json::object();
  for (const std::string& change : header.changes()) {
    absl::Status applied = ApplyChange(change, &container_config);
    if (!applied.ok()) return ToGrpcStatus(applied);
  }

  // Keep the bytes as they came (the layer blob) while hashing them and
  // their decompressed form (its diff id) in one pass.
  std::string temp = content_->TempPath();
  int fd = ::open(temp.c_str(), O_WRONLY | O_CREAT | O_EXCL | O_CLOEXEC, 0600);
  if (fd < 0) return ToGrpcStatus(absl::ErrnoToStatus(errno, "import: create " + temp));
  std::string pending;
  size_t offset = 0;
  bool write_failed = false;
  LayerStream stream([&](char* buffer, size_t size) -> absl::StatusOr<size_t> {
    while (offset == pending.size()) {
      berth::images::v1::ImportRequest message;
      if (!reader->Read(&message)) {
        // A client gone mid-body cancels the call: its end is not the data's.
        if (context->IsCancelled()) return absl::CancelledError("the client went away");
        return 0;
      }
      pending = message.data();
      offset = 0;
      write_failed |= ::write(fd, pending.data(), pending.size()) !=
                      static_cast<ssize_t>(pending.size());
    }
    size_t n = std::min(size, pending.size() - offset);
    std::memcpy(buffer, pending.data() + offset, n);
    offset += n;
    return n;
  });
  absl::Status drained = stream.Drain();
  ::close(fd);
  auto discard = [&temp] { ::unlink(temp.c_str()); };
  if (drained.ok() && context->IsCancelled()) drained = absl::CancelledError("the client went away");
  if (!drained.ok() || write_failed) {
    discard();
    return ToGrpcStatus(drained.ok() ? absl::InternalError("import: write failed")
                                     : absl::Status(drained.code(), absl::StrCat("import: ", drained.message())));
  }
  if (stream.uncompressed_size() == 0) {
    discard();
    return grpc::Status(grpc::StatusCode::INVALID_ARGUMENT, "import: empty input");
  }
  std::string digest = stream.Digest();
  std::string diff_id = stream.DiffId();
  if (hold) {
    if (absl::Status held = hold({digest}, {}); !held.ok()) {
      discard();
      return ToGrpcStatus(held, "import");
    }
  }
  if (content_->Exists(digest)) {
    discard();
  } else if (absl::Status adopted = content_->Adopt(temp, digest); !adopted.ok()) {
    discard();
    return ToGrpcStatus(adopted);
  }

  Descriptor layer;
  layer.set_digest(digest);
  layer.set_size(stream.compressed_size());
  switch (stream.compression()) {
    case Compression::kGzip:
      layer.set_media_type(kOciLayerGzip);
      break;
    case Compression::kZstd:
      layer.set_media_type(kOciLayerZstd);
      break;
    default:
      layer.set_media_type(kOciLayer);
  }
  Platform platform = header.platform().os().empty() ? HostPlatform() : header.platform();
  std::string now = absl::FormatTime("%Y-%m-%dT%H:%M:%E9SZ", absl::Now(), absl::UTCTimeZone());
  nlohmann::json config = {
      {"architecture", platform.architecture()},
      {"os", platform.os()},
      {"created", now},
      {"config", container_config},
      {"rootfs", {{"type", "layers"}, {"diff_ids", {diff_id}}}},
      {"history",
       {{{"created", now},
         {"comment", header.message().empty() ? "Imported from -" : header.message()}}}}};
  if (!platform.variant().empty()) config["variant"] = platform.variant();
  std::string config_body = config.dump();
  Descriptor config_descriptor;
  config_descriptor.set_media_type(kOciConfig);
  config_descriptor.set_digest(Sha256::Of(config_body));
  config_descriptor.set_size(static_cast<int64_t>(config_body.size()));
  nlohmann::json manifest_json = {
      {"schemaVersion", 2},
      {"mediaType", kOciManifest},
      {"config", {{"mediaType", kOciConfig}, {"digest", config_descriptor.digest()}, {"size", config_descriptor.size()}}},
      {"layers", {{{"mediaType", layer.media_type()}, {"digest", digest}, {"size", layer.size()}}}}};
  std::string manifest_body = manifest_json.dump();
  std::string manifest_digest = Sha256::Of(manifest_body);
  if (hold) {
    if (absl::Status held = hold({config_descriptor.digest(), manifest_digest}, {}); !held.ok()) {
      return ToGrpcStatus(held, "import");
    }
  }
  for (const auto& [blob_digest, body] :
       {std::pair{config_descriptor.digest(), config_body}, {manifest_digest, manifest_body}}) {
    if (absl::Status put = content_->Put(blob_digest, body); !put.ok()) return ToGrpcStatus(put);
  }

  Manifest manifest;
  manifest.media_type = kOciManifest;
  manifest.config = config_descriptor;
  manifest.layers = {layer};
  ImageConfig image_config;
  image_config.diff_ids = {diff_id};
  image_config.json = config_body;
  Puller unpacker(content_, &*scoped, snapshots_.get());
  auto size =
      unpacker.UnpackAll(manifest, image_config, [](const berth::images::v1::Progress&) {}, hold);
  if (!size.ok()) return ToGrpcStatus(size.status(), "import");

  ImageRecord record;
  record.target.set_media_type(kOciManifest);
  record.target.set_digest(manifest_digest);
  record.target.set_size(static_cast<int64_t>(manifest_body.size()));
  record.config_digest = config_descriptor.digest();
  record.size = *size;
  record.image_created = absl::ToUnixSeconds(absl::Now());
  // An image imported without a name is dangling: known by its id only.
  record.name = reference ? reference->String() : config_descriptor.digest();
  auto stored = scoped->Put({record}, {manifest_digest, config_descriptor.digest(), digest});
  if (!stored.ok()) return ToGrpcStatus(stored.status());
  // docker tags an imported image first, then logs the import.
  if (reference) {
    PublishEvent("tag", config_descriptor.digest(), reference->Familiar(),
                 config_descriptor.digest());
  }
  PublishEvent("import", config_descriptor.digest(), config_descriptor.digest(),
               config_descriptor.digest());
  auto detail = Resolve(*scoped, config_descriptor.digest());
  if (detail.ok()) *response->mutable_image() = *std::move(detail);
  response->mutable_image()->set_id(config_descriptor.digest());
  return grpc::Status::OK;
}

}  // namespace berth::images
