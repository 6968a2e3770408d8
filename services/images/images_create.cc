// Create (commit, build): an image from a parent and layers another service
// wrote into the content store with WriteContent; and the content store
// calls those services use (WriteContent, ReadContent, ContentInfo).

#include <algorithm>
#include <fstream>
#include <optional>
#include <vector>

#include "absl/strings/match.h"
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

namespace berth::images {
namespace {

// The manifest of a stored image, choosing the host's platform in an index.
absl::StatusOr<Manifest> ImageManifest(ContentStore* content, const Descriptor& target) {
  auto body = content->ReadAll(target.digest());
  if (!body.ok()) return body.status();
  if (IsIndex(target.media_type())) {
    auto index = ParseIndex(*body);
    if (!index.ok()) return index.status();
    auto chosen = SelectManifest(*index, HostPlatform());
    if (!chosen.ok()) return chosen.status();
    body = content->ReadAll(chosen->digest());
    if (!body.ok()) return body.status();
  }
  return ParseManifest(*body);
}

}  // namespace

grpc::Status ImagesService::WriteContent(
    grpc::ServerContext*, grpc::ServerReader<berth::images::v1::WriteContentRequest>* reader,
    berth::images::v1::WriteContentResponse* response) {
  berth::images::v1::WriteContentRequest first;
  if (!reader->Read(&first) || !first.has_header()) {
    return grpc::Status(grpc::StatusCode::INVALID_ARGUMENT,
                        "write content: the first message must be a header");
  }
  const Descriptor expected = first.header().expected();
  if (auto hex = DigestHex(expected.digest()); !hex.ok()) return ToGrpcStatus(hex.status());
  if (expected.size() < 0) {
    return grpc::Status(grpc::StatusCode::INVALID_ARGUMENT, "write content: negative size");
  }
  const std::string& lease = first.header().lease();
  absl::ReaderMutexLock operation(&operations_);
  // Held by the lease from now on: garbage collection waits for this lock,
  // then sees the lease.
  if (!lease.empty()) {
    if (leases_ == nullptr) return grpc::Status(grpc::StatusCode::UNIMPLEMENTED, "leases");
    if (absl::Status held = leases_->AddContent(lease, expected.digest()); !held.ok()) {
      return ToGrpcStatus(held, "write content " + expected.digest());
    }
  }
  *response->mutable_written() = expected;
  berth::images::v1::WriteContentRequest message;
  if (content_->Exists(expected.digest())) {
    while (reader->Read(&message)) {
    }
    return grpc::Status::OK;
  }
  auto writer = content_->Writer(expected.digest(), expected.size());
  if (!writer.ok()) return ToGrpcStatus(writer.status(), "write content " + expected.digest());
  while (reader->Read(&message)) {
    if (absl::Status written = (*writer)->Write(message.data().data(), message.data().size());
        !written.ok()) {
      (*writer)->Discard();
      return ToGrpcStatus(written, "write content " + expected.digest());
    }
  }
  // Commit checks size and digest before the blob takes its name.
  if (absl::Status committed = (*writer)->Commit(); !committed.ok()) {
    (*writer)->Discard();
    return ToGrpcStatus(committed, "write content " + expected.digest());
  }
  return grpc::Status::OK;
}

grpc::Status ImagesService::ContentInfo(grpc::ServerContext*,
                                        const berth::images::v1::ContentInfoRequest* request,
                                        berth::images::v1::ContentInfoResponse* response) {
  auto size = content_->Size(request->digest());
  if (!size.ok()) return ToGrpcStatus(size.status());
  response->set_digest(request->digest());
  response->set_size(*size);
  return grpc::Status::OK;
}

grpc::Status ImagesService::ReadContent(grpc::ServerContext*,
                                        const berth::images::v1::ReadContentRequest* request,
                                        grpc::ServerWriter<berth::types::v1::DataChunk>* writer) {
  auto hex = DigestHex(request->digest());
  if (!hex.ok()) return ToGrpcStatus(hex.status());
  auto size = content_->Size(request->digest());
  if (!size.ok()) return ToGrpcStatus(size.status());
  if (request->offset() < 0 || request->offset() > *size || request->size() < 0) {
    return grpc::Status(grpc::StatusCode::OUT_OF_RANGE,
                        absl::StrCat("read content ", request->digest(), ": range outside 0-", *size));
  }
  int64_t remaining = request->size() == 0 ? *size - request->offset()
                                           : std::min(request->size(), *size - request->offset());
  std::ifstream in(content_->BlobPath(*hex), std::ios::binary);
  in.seekg(request->offset());
  std::vector<char> buffer(1 << 20);
  while (remaining > 0 && in) {
    in.read(buffer.data(), static_cast<std::streamsize>(
                               std::min<int64_t>(remaining, static_cast<int64_t>(buffer.size()))));
    std::streamsize n = in.gcount();
    if (n <= 0) break;
    berth::types::v1::DataChunk chunk;
    chunk.set_data(buffer.data(), static_cast<size_t>(n));
    if (!writer->Write(chunk)) return grpc::Status(grpc::StatusCode::CANCELLED, "the client went away");
    remaining -= n;
  }
  if (remaining > 0) {
    return grpc::Status(grpc::StatusCode::DATA_LOSS, "read content " + request->digest() + ": short read");
  }
  return grpc::Status::OK;
}

grpc::Status ImagesService::Create(grpc::ServerContext* context,
                                   const berth::images::v1::CreateImageRequest* request,
                                   berth::images::v1::CreateImageResponse* response) {
  auto scoped = Scoped(context);
  if (!scoped.ok()) return ToGrpcStatus(scoped.status());
  if (request->layers_size() != request->diff_ids_size()) {
    return grpc::Status(grpc::StatusCode::INVALID_ARGUMENT,
                        "create image: layers and diff ids differ in number");
  }
  std::optional<Reference> reference;
  if (!request->ref().empty()) {
    auto parsed = ParseReference(request->ref());
    if (!parsed.ok()) return ToGrpcStatus(parsed.status());
    reference = *parsed;
  }
  absl::ReaderMutexLock operation(&operations_);

  nlohmann::json config;
  std::string parent_id;
  Manifest manifest;
  manifest.media_type = kOciManifest;
  if (!request->parent().empty()) {
    auto parent = Resolve(*scoped, request->parent());
    if (!parent.ok()) return ToGrpcStatus(parent.status(), "create image");
    parent_id = parent->id();
    config = nlohmann::json::parse(parent->config_json(), nullptr, false);
    auto parent_manifest = ImageManifest(content_, parent->manifest());
    if (!parent_manifest.ok()) {
      return ToGrpcStatus(parent_manifest.status(), "create image: manifest of " + parent->id());
    }
    manifest.layers = parent_manifest->layers;
  }
  if (!config.is_object()) {
    Platform host = HostPlatform();
    config = {{"architecture", host.architecture()}, {"os", host.os()}};
  }
  if (!config.contains("rootfs") || !config["rootfs"].is_object()) {
    config["rootfs"] = {{"type", "layers"}, {"diff_ids", nlohmann::json::array()}};
  }
  if (!config.contains("history") || !config["history"].is_array()) {
    config["history"] = nlohmann::json::array();
  }
  // The caller's container config replaces the parent's; the changes go
  // over it (docker commit --change).
  nlohmann::json given = nlohmann::json::parse(request->config_json(), nullptr, false);
  if (given.is_object() && given.contains("config") && given["config"].is_object()) {
    config["config"] = given["config"];
  }
  if (!config.contains("config") || !config["config"].is_object()) {
    config["config"] = nlohmann::json::object();
  }
  for (const std::string& change : request->changes()) {
    if (absl::Status applied = ApplyChange(change, &config["config"]); !applied.ok()) {
      return ToGrpcStatus(applied);
    }
  }

  for (int i = 0; i < request->layers_size(); ++i) {
    const Descriptor& layer = request->layers(i);
    auto size = content_->Size(layer.digest());
    if (!size.ok() || *size != layer.size()) {
      return grpc::Status(grpc::StatusCode::FAILED_PRECONDITION,
                          absl::StrCat("create image: layer ", layer.digest(),
                                       " is not in the content store (write it first)"));
    }
    Descriptor stored;
    stored.set_media_type(layer.media_type().empty() ? kOciLayerGzip : layer.media_type());
    stored.set_digest(layer.digest());
    stored.set_size(layer.size());
    manifest.layers.push_back(stored);
    config["rootfs"]["diff_ids"].push_back(request->diff_ids(i));
  }

  std::string now = absl::FormatTime("%Y-%m-%dT%H:%M:%E9SZ", absl::Now(), absl::UTCTimeZone());
  config["created"] = now;
  if (request->author().empty()) {
    config.erase("author");
  } else {
    config["author"] = request->author();
  }
  if (request->comment().empty()) {
    config.erase("comment");
  } else {
    config["comment"] = request->comment();
  }
  nlohmann::json entry = {{"created", now}};
  if (!request->author().empty()) entry["author"] = request->author();
  if (!request->created_by().empty()) entry["created_by"] = request->created_by();
  if (!request->comment().empty()) entry["comment"] = request->comment();
  if (request->layers_size() == 0) entry["empty_layer"] = true;
  config["history"].push_back(entry);

  std::string config_body = config.dump();
  manifest.config.set_media_type(kOciConfig);
  manifest.config.set_digest(Sha256::Of(config_body));
  manifest.config.set_size(static_cast<int64_t>(config_body.size()));
  nlohmann::json layers_json = nlohmann::json::array();
  std::vector<std::string> content = {manifest.config.digest()};
  for (const Descriptor& layer : manifest.layers) {
    layers_json.push_back(
        {{"mediaType", layer.media_type()}, {"digest", layer.digest()}, {"size", layer.size()}});
    content.push_back(layer.digest());
  }
  nlohmann::json manifest_json = {{"schemaVersion", 2},
                                  {"mediaType", kOciManifest},
                                  {"config",
                                   {{"mediaType", kOciConfig},
                                    {"digest", manifest.config.digest()},
                                    {"size", manifest.config.size()}}},
                                  {"layers", layers_json}};
  std::string manifest_body = manifest_json.dump();
  std::string manifest_digest = Sha256::Of(manifest_body);
  content.push_back(manifest_digest);
  for (const auto& [digest, body] : {std::pair{manifest.config.digest(), config_body},
                                     std::pair{manifest_digest, manifest_body}}) {
    if (absl::Status put = content_->Put(digest, body); !put.ok()) return ToGrpcStatus(put);
  }

  ImageConfig image_config;
  for (const auto& id : config["rootfs"]["diff_ids"]) {
    image_config.diff_ids.push_back(id.is_string() ? id.get<std::string>() : "");
  }
  image_config.json = config_body;
  Puller unpacker(content_, &*scoped, snapshots_.get());
  auto size = unpacker.UnpackAll(manifest, image_config, [](const berth::images::v1::Progress&) {});
  if (!size.ok()) return ToGrpcStatus(size.status(), "create image");

  ImageRecord record;
  record.target.set_media_type(kOciManifest);
  record.target.set_digest(manifest_digest);
  record.target.set_size(static_cast<int64_t>(manifest_body.size()));
  record.config_digest = manifest.config.digest();
  record.size = *size;
  record.image_created = absl::ToUnixSeconds(absl::Now());
  record.name = reference ? reference->String() : manifest.config.digest();
  record.parent = parent_id;
  auto stored = scoped->Put({record}, content);
  if (!stored.ok()) return ToGrpcStatus(stored.status());
  auto detail = Resolve(*scoped, manifest.config.digest());
  if (detail.ok()) *response->mutable_image() = *std::move(detail);
  response->mutable_image()->set_id(manifest.config.digest());
  return grpc::Status::OK;
}

}  // namespace berth::images

namespace berth::images {

grpc::Status ImagesService::CreateLease(grpc::ServerContext*,
                                        const berth::images::v1::CreateLeaseRequest* request,
                                        berth::images::v1::Lease* response) {
  if (leases_ == nullptr) return grpc::Status(grpc::StatusCode::UNIMPLEMENTED, "leases");
  if (request->expire_seconds() < 0) {
    return grpc::Status(grpc::StatusCode::INVALID_ARGUMENT, "lease: negative expiry");
  }
  auto lease = leases_->Create(request->id(), absl::Seconds(request->expire_seconds()));
  if (!lease.ok()) return ToGrpcStatus(lease.status());
  response->set_id(lease->id);
  response->mutable_created_at()->set_seconds(absl::ToUnixSeconds(lease->created_at));
  response->mutable_expires_at()->set_seconds(absl::ToUnixSeconds(lease->expires_at));
  return grpc::Status::OK;
}

grpc::Status ImagesService::DeleteLease(grpc::ServerContext*,
                                        const berth::images::v1::DeleteLeaseRequest* request,
                                        berth::images::v1::DeleteLeaseResponse*) {
  if (leases_ == nullptr) return grpc::Status(grpc::StatusCode::UNIMPLEMENTED, "leases");
  return ToGrpcStatus(leases_->Delete(request->id()));
}

}  // namespace berth::images
