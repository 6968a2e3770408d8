// Load: docker-archive and OCI-layout tarballs (as docker save, skopeo or
// berth save write them), gzip-compressed or not. Every blob is verified
// against its digest before it is stored; the images are then unpacked and
// named.

#include <archive.h>
#include <archive_entry.h>
#include <fcntl.h>
#include <unistd.h>

#include <cerrno>
#include <cstring>
#include <map>
#include <optional>

#include "absl/strings/match.h"
#include "absl/strings/str_cat.h"
#include "absl/strings/str_join.h"
#include "absl/strings/str_split.h"
#include "absl/strings/strip.h"
#include "nlohmann/json.hpp"
#include "services/common/base/grpc_status.h"
#include "services/common/digest/layer_stream.h"
#include "services/common/digest/sha256.h"
#include "services/images/images_service.h"
#include "services/images/manifest.h"
#include "services/images/media_types.h"
#include "services/images/puller.h"
#include "services/images/reference.h"

namespace berth::images {
namespace {

struct StoredFile {
  std::string digest;
  int64_t size = 0;
};

std::string Normalise(const std::string& path) {
  absl::string_view p(path);
  while (absl::ConsumePrefix(&p, "./")) {
  }
  return std::string(p);
}

// Resolves a symlink target relative to the link's directory.
std::string JoinRelative(const std::string& link, const std::string& target) {
  if (!target.empty() && target[0] == '/') return Normalise(target.substr(1));
  std::string dir = link.find('/') == std::string::npos ? "" : link.substr(0, link.rfind('/'));
  std::vector<std::string> parts;
  for (absl::string_view part : absl::StrSplit(dir + "/" + target, '/', absl::SkipEmpty())) {
    if (part == ".") continue;
    if (part == "..") {
      if (!parts.empty()) parts.pop_back();
      continue;
    }
    parts.emplace_back(part);
  }
  return absl::StrJoin(parts, "/");
}

std::string LayerMediaType(const std::string& path) {
  int fd = ::open(path.c_str(), O_RDONLY | O_CLOEXEC);
  unsigned char magic[4] = {};
  ssize_t n = fd >= 0 ? ::read(fd, magic, 4) : 0;
  if (fd >= 0) ::close(fd);
  if (n >= 2 && magic[0] == 0x1f && magic[1] == 0x8b) return kOciLayerGzip;
  if (n == 4 && magic[0] == 0x28 && magic[1] == 0xb5 && magic[2] == 0x2f && magic[3] == 0xfd) {
    return kOciLayerZstd;
  }
  return kOciLayer;
}

}  // namespace

grpc::Status ImagesService::Load(
    grpc::ServerContext* context,
    grpc::ServerReaderWriter<berth::images::v1::LoadResponse, berth::images::v1::LoadRequest>* stream) {
  auto scoped = Scoped(context);
  if (!scoped.ok()) return ToGrpcStatus(scoped.status());
  berth::images::v1::LoadRequest first;
  if (!stream->Read(&first) || !first.has_header()) {
    return grpc::Status(grpc::StatusCode::INVALID_ARGUMENT, "load: the first message must be a header");
  }
  std::optional<absl::ReaderMutexLock> whole_load;
  auto lease = BeginOperation("load", &whole_load);
  if (!lease.ok()) return ToGrpcStatus(lease.status(), "load");
  HoldFn hold = HoldFor(lease->get());
  auto held = [&hold](const std::string& digest) {
    return hold ? hold({digest}, {}) : absl::OkStatus();
  };
  std::map<std::string, StoredFile> files;       // archive path → stored blob
  std::map<std::string, std::string> metadata;   // small JSON files by path
  std::map<std::string, std::string> links;      // symlink path → target path
  archive* tar = archive_read_new();
  archive_read_support_filter_all(tar);
  archive_read_support_format_tar(tar);
  archive_read_support_format_gnutar(tar);
  struct Source {
    grpc::ServerReaderWriter<berth::images::v1::LoadResponse, berth::images::v1::LoadRequest>* s;
    std::string pending;
    grpc::ServerContext* context;
  } source{stream, "", context};
  auto read = [](archive* a, void* data, const void** block) -> la_ssize_t {
    auto* src = static_cast<Source*>(data);
    berth::images::v1::LoadRequest message;
    if (!src->s->Read(&message)) {
      // A client gone mid-body cancels the call: its end is not the data's.
      if (!src->context->IsCancelled()) return 0;
      archive_set_error(a, ECANCELED, "the client went away");
      return -1;
    }
    src->pending = message.data();
    *block = src->pending.data();
    return static_cast<la_ssize_t>(src->pending.size());
  };
  absl::Status status;
  if (archive_read_open(tar, &source, nullptr, read, nullptr) != ARCHIVE_OK) {
    status = absl::InvalidArgumentError(absl::StrCat("load: not a tar archive: ", archive_error_string(tar)));
  }
  archive_entry* entry;
  while (status.ok()) {
    int rc = archive_read_next_header(tar, &entry);
    if (rc == ARCHIVE_EOF) break;
    if (rc != ARCHIVE_OK && rc != ARCHIVE_WARN) {
      status = absl::InvalidArgumentError(absl::StrCat("load: reading the archive: ", archive_error_string(tar)));
      break;
    }
    std::string path = Normalise(archive_entry_pathname(entry) ? archive_entry_pathname(entry) : "");
    mode_t type = archive_entry_filetype(entry);
    if (type == AE_IFLNK) {
      links[path] = JoinRelative(path, archive_entry_symlink(entry) ? archive_entry_symlink(entry) : "");
      continue;
    }
    if (archive_entry_hardlink(entry) != nullptr) {
      links[path] = Normalise(archive_entry_hardlink(entry));
      continue;
    }
    if (type != AE_IFREG) continue;
    int64_t size = archive_entry_size(entry);
    bool is_json = absl::EndsWith(path, ".json") || path == "repositories" || path == "oci-layout";
    if (is_json && size < (16 << 20)) {
      std::string body(static_cast<size_t>(size), '\0');
      if (archive_read_data(tar, body.data(), body.size()) != size) {
        status = absl::DataLossError("load: truncated " + path);
        break;
      }
      metadata[path] = body;
      // Other JSON files are content too (configs, manifests): stored by
      // their hash, which must match a blobs/ name.
      if (path == "index.json" || path == "manifest.json" || path == "repositories" ||
          path == "oci-layout") {
        continue;
      }
      std::string digest = Sha256::Of(body);
      if (absl::StartsWith(path, "blobs/sha256/") && digest != "sha256:" + path.substr(13)) {
        status = absl::DataLossError(absl::StrCat("load: ", path, ": digest mismatch"));
        break;
      }
      status = held(digest);
      if (status.ok()) status = content_->Put(digest, body);
      files[path] = {digest, size};
      continue;
    }
    // Anything else is a blob: hashed as it is written, named by its hash,
    // and checked against its name when it has one.
    std::string temp = content_->TempPath();
    int fd = ::open(temp.c_str(), O_WRONLY | O_CREAT | O_EXCL | O_CLOEXEC, 0600);
    if (fd < 0) {
      status = absl::ErrnoToStatus(errno, "load: create " + temp);
      break;
    }
    Sha256 hash;
    char buffer[1 << 16];
    la_ssize_t n;
    bool ok = true;
    while ((n = archive_read_data(tar, buffer, sizeof(buffer))) > 0) {
      hash.Update(buffer, static_cast<size_t>(n));
      ok &= ::write(fd, buffer, static_cast<size_t>(n)) == n;
    }
    ::close(fd);
    std::string digest = hash.Digest();
    if (n < 0 || !ok) {
      ::unlink(temp.c_str());
      status = absl::DataLossError(absl::StrCat("load: ", path, ": ", n < 0 ? archive_error_string(tar) : "write failed"));
      break;
    }
    if (absl::StartsWith(path, "blobs/sha256/") && digest != "sha256:" + path.substr(13)) {
      ::unlink(temp.c_str());
      status = absl::DataLossError(absl::StrCat("load: ", path, ": digest mismatch (content is ", digest, ")"));
      break;
    }
    status = held(digest);
    if (!status.ok() || content_->Exists(digest)) {
      ::unlink(temp.c_str());
    } else {
      status = content_->Adopt(temp, digest);
    }
    files[path] = {digest, size};
  }
  archive_read_free(tar);
  if (status.ok() && context->IsCancelled()) status = absl::CancelledError("load: the client went away");
  if (!status.ok()) return ToGrpcStatus(status);
  auto resolve = [&](std::string path) -> const StoredFile* {
    path = Normalise(path);
    for (int hops = 0; hops < 8 && links.count(path); ++hops) path = links[path];
    auto it = files.find(path);
    return it == files.end() ? nullptr : &it->second;
  };

  struct Loaded {
    Manifest manifest;
    std::string manifest_body;
    std::string manifest_type;
    std::vector<std::string> names;
  };
  std::vector<Loaded> loaded;
  if (metadata.count("index.json")) {
    auto index = ParseIndex(metadata["index.json"]);
    if (!index.ok()) return ToGrpcStatus(index.status());
    for (const Descriptor& descriptor : index->manifests) {
      auto body = content_->ReadAll(descriptor.digest());
      if (!body.ok()) return ToGrpcStatus(body.status());
      std::string type = descriptor.media_type();
      Descriptor chosen = descriptor;
      if (IsIndex(type)) {
        auto inner = ParseIndex(*body);
        if (!inner.ok()) return ToGrpcStatus(inner.status());
        auto pick = SelectManifest(*inner, HostPlatform());
        if (!pick.ok()) return ToGrpcStatus(pick.status());
        chosen = *pick;
        body = content_->ReadAll(chosen.digest());
        if (!body.ok()) return ToGrpcStatus(body.status());
      }
      auto manifest = ParseManifest(*body);
      if (!manifest.ok()) return ToGrpcStatus(manifest.status());
      Loaded item{*manifest, *body, chosen.media_type().empty() ? kOciManifest : chosen.media_type(), {}};
      for (const char* key : {"io.containerd.image.name", "org.opencontainers.image.ref.name"}) {
        auto it = descriptor.annotations().find(key);
        if (it == descriptor.annotations().end()) continue;
        // A bare tag ("latest") names no repository: the image loads by id.
        if (it->second.find('/') == std::string::npos && it->second.find(':') == std::string::npos &&
            std::string(key) == "org.opencontainers.image.ref.name") {
          continue;
        }
        auto reference = ParseReference(it->second);
        if (reference.ok()) {
          item.names.push_back(reference->String());
          break;
        }
      }
      loaded.push_back(std::move(item));
    }
  } else if (metadata.count("manifest.json")) {
    nlohmann::json entries = nlohmann::json::parse(metadata["manifest.json"], nullptr, false);
    if (!entries.is_array()) {
      return grpc::Status(grpc::StatusCode::INVALID_ARGUMENT, "load: manifest.json is not a list");
    }
    for (const auto& item : entries) {
      const StoredFile* config = resolve(item.value("Config", ""));
      if (config == nullptr) {
        return grpc::Status(grpc::StatusCode::INVALID_ARGUMENT,
                            "load: manifest.json names a config the archive lacks");
      }
      Loaded image;
      image.manifest.media_type = kOciManifest;
      image.manifest.config.set_media_type(kOciConfig);
      image.manifest.config.set_digest(config->digest);
      image.manifest.config.set_size(config->size);
      nlohmann::json layers = nlohmann::json::array();
      for (const auto& layer_path : item.value("Layers", nlohmann::json::array())) {
        const StoredFile* layer = resolve(layer_path.get<std::string>());
        if (layer == nullptr) {
          return grpc::Status(grpc::StatusCode::INVALID_ARGUMENT,
                              "load: manifest.json names a layer the archive lacks: " +
                                  layer_path.get<std::string>());
        }
        Descriptor descriptor;
        descriptor.set_digest(layer->digest);
        descriptor.set_size(layer->size);
        descriptor.set_media_type(LayerMediaType(content_->BlobPath(*DigestHex(layer->digest))));
        image.manifest.layers.push_back(descriptor);
        layers.push_back({{"mediaType", descriptor.media_type()}, {"digest", layer->digest}, {"size", layer->size}});
      }
      nlohmann::json manifest = {
          {"schemaVersion", 2}, {"mediaType", kOciManifest},
          {"config", {{"mediaType", kOciConfig}, {"digest", config->digest}, {"size", config->size}}},
          {"layers", layers}};
      image.manifest_body = manifest.dump();
      image.manifest_type = kOciManifest;
      for (const auto& tag : item.value("RepoTags", nlohmann::json::array())) {
        if (!tag.is_string()) continue;
        auto reference = ParseReference(tag.get<std::string>());
        if (reference.ok()) image.names.push_back(reference->String());
      }
      loaded.push_back(std::move(image));
    }
  } else {
    return grpc::Status(grpc::StatusCode::INVALID_ARGUMENT,
                        "load: neither index.json nor manifest.json in the archive");
  }

  Puller unpacker(content_, &*scoped, snapshots_.get());
  for (Loaded& image : loaded) {
    std::string manifest_digest = Sha256::Of(image.manifest_body);
    if (absl::Status hold_status = held(manifest_digest); !hold_status.ok()) {
      return ToGrpcStatus(hold_status, "load");
    }
    if (absl::Status put = content_->Put(manifest_digest, image.manifest_body); !put.ok()) {
      return ToGrpcStatus(put);
    }
    auto config_body = content_->ReadAll(image.manifest.config.digest());
    if (!config_body.ok()) return ToGrpcStatus(config_body.status());
    auto config = ParseConfig(*config_body);
    if (!config.ok()) return ToGrpcStatus(config.status());
    for (const Descriptor& layer : image.manifest.layers) {
      if (!content_->Exists(layer.digest())) {
        return grpc::Status(grpc::StatusCode::INVALID_ARGUMENT,
                            absl::StrCat("load: layer ", layer.digest(), " is missing from the archive"));
      }
    }
    auto size =
        unpacker.UnpackAll(image.manifest, *config, [](const berth::images::v1::Progress&) {}, hold);
    if (!size.ok()) return ToGrpcStatus(size.status(), "load");
    ImageRecord record;
    record.target.set_media_type(image.manifest_type);
    record.target.set_digest(manifest_digest);
    record.target.set_size(static_cast<int64_t>(image.manifest_body.size()));
    record.config_digest = image.manifest.config.digest();
    record.size = *size;
    record.image_created = config->created;
    std::vector<std::string> content = {manifest_digest, record.config_digest};
    for (const Descriptor& layer : image.manifest.layers) content.push_back(layer.digest());
    std::vector<ImageRecord> records;
    for (const std::string& name : image.names) {
      record.name = name;
      records.push_back(record);
    }
    if (records.empty()) {
      record.name = record.config_digest;
      records.push_back(record);
    }
    auto stored = scoped->Put(records, content);
    if (!stored.ok()) return ToGrpcStatus(stored.status());
    PublishEvent("load", record.config_digest, record.config_digest, record.config_digest);
    for (const std::string& name : image.names) {
      berth::images::v1::LoadResponse response;
      auto reference = ParseReference(name);
      response.set_loaded("Loaded image: " + (reference.ok() ? reference->Familiar() : name));
      stream->Write(response);
    }
    if (image.names.empty()) {
      berth::images::v1::LoadResponse response;
      response.set_loaded("Loaded image ID: " + record.config_digest);
      stream->Write(response);
    }
  }
  return grpc::Status::OK;
}

}  // namespace berth::images
