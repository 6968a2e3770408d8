// Save: images as a tarball that is both a docker-archive (manifest.json,
// repositories) and an OCI image layout (oci-layout, index.json, blobs/),
// as Docker 25+ writes it.

#include <set>

#include "absl/strings/str_cat.h"
#include "nlohmann/json.hpp"
#include "services/common/base/grpc_status.h"
#include "services/images/archive_writer.h"
#include "services/images/images_service.h"
#include "services/images/manifest.h"
#include "services/images/media_types.h"
#include "services/images/reference.h"

namespace berth::images {

grpc::Status ImagesService::Save(grpc::ServerContext* context, const berth::images::v1::SaveRequest* request,
                                 grpc::ServerWriter<berth::types::v1::DataChunk>* writer) {
  auto scoped = Scoped(context);
  if (!scoped.ok()) return ToGrpcStatus(scoped.status());
  if (request->refs().empty()) {
    return grpc::Status(grpc::StatusCode::INVALID_ARGUMENT, "save: no image given");
  }
  struct Saved {
    berth::images::v1::ImageDetail detail;
    Descriptor manifest;
    Manifest parsed;
    std::vector<std::string> tags;  // familiar repo:tag
  };
  std::vector<Saved> images;
  for (const std::string& ref : request->refs()) {
    auto detail = Resolve(*scoped, ref);
    if (!detail.ok()) return ToGrpcStatus(detail.status());
    Saved saved;
    saved.detail = *detail;
    saved.manifest = detail->manifest();
    auto body = content_->ReadAll(saved.manifest.digest());
    if (!body.ok()) return ToGrpcStatus(body.status());
    if (IsIndex(saved.manifest.media_type())) {
      auto index = ParseIndex(*body);
      if (!index.ok()) return ToGrpcStatus(index.status());
      auto chosen = SelectManifest(*index, detail->platform().os().empty() ? HostPlatform()
                                                                            : detail->platform());
      if (!chosen.ok()) return ToGrpcStatus(chosen.status());
      saved.manifest = *chosen;
      body = content_->ReadAll(chosen->digest());
      if (!body.ok()) return ToGrpcStatus(body.status());
    }
    auto parsed = ParseManifest(*body);
    if (!parsed.ok()) return ToGrpcStatus(parsed.status());
    saved.parsed = *parsed;
    // A name given by the user that is a tag of the image is saved with it.
    auto reference = ParseReference(ref);
    for (const std::string& tag : detail->repo_tags()) {
      if (!reference.ok() || tag == reference->Familiar() || ref.rfind("sha256:", 0) == 0) {
        saved.tags.push_back(tag);
      }
    }
    images.push_back(std::move(saved));
  }

  std::string pending;
  bool cancelled = false;
  auto flush = [&](bool all) {
    while (pending.size() >= (1 << 20) || (all && !pending.empty())) {
      size_t n = std::min(pending.size(), size_t{1} << 20);
      berth::types::v1::DataChunk chunk;
      chunk.set_data(pending.substr(0, n));
      if (!writer->Write(chunk)) {
        cancelled = true;
        return false;
      }
      pending.erase(0, n);
    }
    return true;
  };
  TarStreamWriter tar([&](const char* data, size_t size) {
    pending.append(data, size);
    return flush(false);
  });

  std::set<std::string> written;
  auto add_blob = [&](const Descriptor& blob) -> absl::Status {
    if (!written.insert(blob.digest()).second) return absl::OkStatus();
    auto hex = DigestHex(blob.digest());
    if (!hex.ok()) return hex.status();
    if (!content_->Exists(blob.digest())) {
      return absl::NotFoundError(absl::StrCat("save: blob ", blob.digest(), " is not in the store"));
    }
    return tar.AddFileFrom("blobs/sha256/" + *hex, content_->BlobPath(*hex), blob.size());
  };

  nlohmann::json docker_manifest = nlohmann::json::array();
  nlohmann::json repositories = nlohmann::json::object();
  nlohmann::json index = {{"schemaVersion", 2}, {"mediaType", kOciIndex},
                          {"manifests", nlohmann::json::array()}};
  absl::Status status = tar.AddFile("oci-layout", R"({"imageLayoutVersion":"1.0.0"})");
  if (status.ok()) status = tar.AddDirectory("blobs");
  if (status.ok()) status = tar.AddDirectory("blobs/sha256");
  for (const Saved& saved : images) {
    for (const Descriptor& layer : saved.parsed.layers) {
      if (status.ok()) status = add_blob(layer);
    }
    if (status.ok()) status = add_blob(saved.parsed.config);
    if (status.ok()) status = add_blob(saved.manifest);
    nlohmann::json layers = nlohmann::json::array();
    for (const Descriptor& layer : saved.parsed.layers) {
      layers.push_back("blobs/sha256/" + DigestHex(layer.digest()).value_or(""));
    }
    docker_manifest.push_back({{"Config", "blobs/sha256/" + DigestHex(saved.parsed.config.digest()).value_or("")},
                               {"RepoTags", saved.tags},
                               {"Layers", layers}});
    nlohmann::json entry = {{"mediaType", saved.manifest.media_type().empty() ? kOciManifest
                                                                              : saved.manifest.media_type()},
                            {"digest", saved.manifest.digest()},
                            {"size", saved.manifest.size()}};
    if (saved.tags.empty()) {
      index["manifests"].push_back(entry);
    }
    for (const std::string& tag : saved.tags) {
      size_t colon = tag.rfind(':');
      nlohmann::json named = entry;
      // The full name, as docker writes it: containerd (ctr import, the
      // CRI) takes it as the image's name and does not normalise it.
      auto full = ParseReference(tag);
      named["annotations"] = {{"io.containerd.image.name", full.ok() ? full->String() : tag},
                              {"org.opencontainers.image.ref.name", tag.substr(colon + 1)}};
      index["manifests"].push_back(named);
      if (!saved.parsed.layers.empty()) {
        repositories[tag.substr(0, colon)][tag.substr(colon + 1)] =
            DigestHex(saved.parsed.layers.back().digest()).value_or("");
      }
    }
  }
  if (status.ok()) status = tar.AddFile("index.json", index.dump());
  if (status.ok()) status = tar.AddFile("manifest.json", docker_manifest.dump());
  if (status.ok()) status = tar.AddFile("repositories", repositories.dump());
  if (status.ok()) status = tar.Close();
  if (cancelled) return grpc::Status(grpc::StatusCode::CANCELLED, "save: the client went away");
  if (!status.ok()) return ToGrpcStatus(status);
  flush(true);
  for (const Saved& saved : images) {
    PublishEvent("save", saved.detail.id(), saved.detail.id(), saved.detail.id());
  }
  return grpc::Status::OK;
}

}  // namespace berth::images
