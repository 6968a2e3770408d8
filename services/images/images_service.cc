#include "services/images/images_service.h"

#include <fnmatch.h>

#include <chrono>
#include <functional>
#include <map>
#include <optional>
#include <algorithm>
#include <set>

#include "absl/strings/match.h"
#include "absl/strings/numbers.h"
#include "absl/strings/str_cat.h"
#include "absl/synchronization/mutex.h"
#include "absl/time/time.h"
#include "nlohmann/json.hpp"
#include "services/common/base/grpc_status.h"
#include "services/common/namespaces/namespace.h"
#include "services/common/fs/fs_util.h"
#include "services/images/garbage_collector.h"
#include "services/images/manifest.h"
#include "services/images/reference.h"

namespace berth::images {
namespace {

using berth::images::v1::ImageDetail;

using PruneMatch = std::function<bool(const ImageRecord&, const std::string& config_json)>;

// docker's "until": a unix time, an RFC 3339 time, or a duration before now.
absl::StatusOr<int64_t> UntilSeconds(const std::string& value) {
  int64_t seconds = 0;
  if (absl::SimpleAtoi(value, &seconds)) return seconds;
  absl::Time time;
  std::string error;
  if (absl::ParseTime(absl::RFC3339_full, value, &time, &error)) return absl::ToUnixSeconds(time);
  absl::Duration duration;
  if (absl::ParseDuration(value, &duration)) return absl::ToUnixSeconds(absl::Now() - duration);
  return absl::InvalidArgumentError("invalid until filter \"" + value + "\"");
}

// Whether the config's Labels have "key" or "key=value".
bool HasLabel(const nlohmann::json& labels, const std::string& wanted) {
  size_t eq = wanted.find('=');
  std::string key = wanted.substr(0, eq);
  auto it = labels.find(key);
  if (it == labels.end() || !it->is_string()) return false;
  return eq == std::string::npos || it->get<std::string>() == wanted.substr(eq + 1);
}

// image prune's --filter until=, label=, label!= (docker's set).
absl::StatusOr<PruneMatch> PruneFilter(
    const google::protobuf::Map<std::string, berth::images::v1::FilterValues>& filters) {
  std::vector<int64_t> untils;
  std::vector<std::string> labels, not_labels;
  for (const auto& [key, values] : filters) {
    for (const std::string& value : values.values()) {
      if (key == "until") {
        auto until = UntilSeconds(value);
        if (!until.ok()) return until.status();
        untils.push_back(*until);
      } else if (key == "label") {
        labels.push_back(value);
      } else if (key == "label!") {
        not_labels.push_back(value);
      } else {
        return absl::InvalidArgumentError("invalid filter '" + key + "'");
      }
    }
  }
  return PruneMatch([=](const ImageRecord& record, const std::string& config_json) {
    for (int64_t until : untils) {
      if (record.image_created >= until) return false;
    }
    if (labels.empty() && not_labels.empty()) return true;
    nlohmann::json config = nlohmann::json::parse(config_json, nullptr, false);
    nlohmann::json image_labels = nlohmann::json::object();
    if (config.is_object() && config.contains("config") && config["config"].is_object() &&
        config["config"].contains("Labels") && config["config"]["Labels"].is_object()) {
      image_labels = config["config"]["Labels"];
    }
    for (const std::string& label : labels) {
      if (!HasLabel(image_labels, label)) return false;
    }
    for (const std::string& label : not_labels) {
      if (HasLabel(image_labels, label)) return false;
    }
    return true;
  });
}

}  // namespace

absl::StatusOr<std::unique_ptr<OperationLease>> ImagesService::BeginOperation(
    const std::string& kind, std::optional<absl::ReaderMutexLock>* whole) {
  if (leases_ == nullptr) {
    whole->emplace(&operations_);
    return std::unique_ptr<OperationLease>();
  }
  return OperationLease::Begin(leases_, &operations_, kind);
}

HoldFn ImagesService::HoldFor(OperationLease* lease) {
  if (lease == nullptr) return nullptr;
  return [lease](const std::vector<std::string>& digests,
                 const std::vector<std::string>& snapshot_keys) {
    return lease->Hold(digests, snapshot_keys);
  };
}

grpc::Status ImagesService::Pull(grpc::ServerContext* context, const berth::images::v1::PullRequest* request,
                                 grpc::ServerWriter<berth::images::v1::PullResponse>* writer) {
  auto scoped = Scoped(context);
  if (!scoped.ok()) return ToGrpcStatus(scoped.status());
  auto reference = ParseReference(request->ref());
  if (!reference.ok()) return ToGrpcStatus(reference.status());
  PullOptions options;
  options.platform = HostPlatform();
  if (!request->platform().os().empty()) options.platform = request->platform();
  std::shared_ptr<const config::DaemonConfig> config = config_->Get();
  options.registry.mirrors = config->registry_mirrors;
  options.registry.host_endpoints = config->registry_endpoints;
  options.registry.insecure_registries = config::InsecureRegistries(*config);
  options.registry.credentials.username = request->auth().username();
  options.registry.credentials.password = request->auth().password();
  options.registry.credentials.identity_token = request->auth().identity_token();
  options.registry.credentials.registry_token = request->auth().registry_token();
  options.unpack = !request->skip_unpack();
  options.downloads = &downloads_;

  // A lease holds what the pull needs, so a prune can run meanwhile. Each
  // hold happens under the operations lock that collection takes
  // exclusively: a collection sees it whole, or not at all and finds
  // nothing of it yet. Without leases (tests), the lock for the whole pull.
  std::optional<absl::ReaderMutexLock> whole_pull;
  auto lease = BeginOperation("pull", &whole_pull);
  if (!lease.ok()) return ToGrpcStatus(lease.status(), "pull " + reference->String());
  options.hold = HoldFor(lease->get());
  absl::Mutex mu;
  Puller puller(content_, &*scoped, snapshots_.get());
  auto result = puller.Pull(*reference, options, [&](const berth::images::v1::Progress& line) {
    berth::images::v1::PullResponse response;
    *response.mutable_progress() = line;
    absl::MutexLock lock(&mu);
    writer->Write(response);
  });
  if (!result.ok()) return ToGrpcStatus(result.status(), "pull " + reference->String());
  berth::images::v1::PullResponse last;
  last.add_messages("Digest: " + result->resolved_digest);
  last.add_messages(absl::StrCat("Status: ",
                                 result->updated ? "Downloaded newer image for "
                                                 : "Image is up to date for ",
                                 reference->Familiar()));
  auto detail = Resolve(*scoped, reference->String());
  PublishEvent("pull", reference->Familiar(), reference->Familiar(),
               detail.ok() ? detail->id() : "");
  if (detail.ok()) *last.mutable_image() = *std::move(detail);
  writer->Write(last);
  return grpc::Status::OK;
}

absl::StatusOr<ImageStore> ImagesService::Scoped(const grpc::ServerContext* context) const {
  auto ns = namespaces::NamespaceOf(*context);
  if (!ns.ok()) return ns.status();
  return images_->In(*ns);
}

absl::StatusOr<std::vector<ImageDetail>> ImagesService::Details(ImageStore& images) {
  auto records = images.List();
  if (!records.ok()) return records.status();
  std::map<std::string, size_t> by_id;
  std::vector<ImageDetail> details;
  for (const ImageRecord& record : *records) {
    auto [it, inserted] = by_id.try_emplace(record.config_digest, details.size());
    if (inserted) {
      ImageDetail detail;
      detail.set_id(record.config_digest);
      detail.set_size(record.size);
      detail.mutable_created()->set_seconds(record.image_created);
      *detail.mutable_manifest() = record.target;
      if (auto config = ConfigFacts(record.config_digest); config.ok()) {
        detail.set_config_json(config->config_json());
        *detail.mutable_platform() = config->platform();
        *detail.mutable_diff_ids() = config->diff_ids();
        detail.set_chain_id(config->chain_id());
      }
      details.push_back(std::move(detail));
    }
    ImageDetail& detail = details[it->second];
    if (detail.parent().empty()) detail.set_parent(record.parent);
    if (absl::StartsWith(record.name, "sha256:")) continue;  // Dangling: id only.
    auto reference = ParseReference(record.name);
    std::string familiar = reference.ok() ? reference->Familiar() : record.name;
    if (record.name.find('@') != std::string::npos) {
      detail.add_repo_digests(familiar);
    } else {
      detail.add_repo_tags(familiar);
    }
  }
  // Forget the configs of images that are gone from every namespace.
  if (auto every = images.ListAll(); every.ok()) {
    std::set<std::string> live;
    for (const ImageRecord& record : *every) live.insert(record.config_digest);
    absl::MutexLock lock(&config_cache_mu_);
    for (auto it = config_cache_.begin(); it != config_cache_.end();) {
      it = live.count(it->first) > 0 ? std::next(it) : config_cache_.erase(it);
    }
  }
  return details;
}

absl::StatusOr<ImageDetail> ImagesService::ConfigFacts(const std::string& config_digest) {
  {
    absl::MutexLock lock(&config_cache_mu_);
    if (auto it = config_cache_.find(config_digest); it != config_cache_.end()) return it->second;
  }
  // A config blob never changes (its name is its digest): read and parse
  // it once, not on every lookup (every create and inspect resolves).
  auto config = content_->ReadAll(config_digest);
  if (!config.ok()) return config.status();
  ImageDetail facts;
  facts.set_config_json(*config);
  auto parsed = ParseConfig(*config);
  if (parsed.ok()) {
    *facts.mutable_platform() = parsed->platform;
    for (const std::string& id : parsed->diff_ids) facts.add_diff_ids(id);
    std::vector<std::string> chain = ChainIds(parsed->diff_ids);
    if (!chain.empty()) facts.set_chain_id(chain.back());
  }
  absl::MutexLock lock(&config_cache_mu_);
  config_cache_[config_digest] = facts;
  return facts;
}

absl::StatusOr<ImageDetail> ImagesService::Resolve(ImageStore& images, const std::string& ref) {
  auto details = Details(images);
  if (!details.ok()) return details.status();
  auto reference = ParseReference(ref);
  std::string full = reference.ok() ? reference->String() : "";
  std::string familiar = reference.ok() ? reference->Familiar() : "";
  std::string id = absl::StartsWith(ref, "sha256:") ? ref : "sha256:" + ref;
  const ImageDetail* by_prefix = nullptr;
  int prefix_matches = 0;
  for (const ImageDetail& detail : *details) {
    for (const std::string& tag : detail.repo_tags()) {
      if (tag == familiar) return detail;
    }
    for (const std::string& digest : detail.repo_digests()) {
      if (digest == familiar) return detail;
    }
    if (detail.id() == id) return detail;
    if (ref.size() >= 4 && absl::StartsWith(detail.id(), id)) {
      by_prefix = &detail;
      ++prefix_matches;
    }
  }
  if (prefix_matches == 1) return *by_prefix;
  (void)full;
  return absl::NotFoundError(absl::StrCat("No such image: ", ref));
}

grpc::Status ImagesService::List(grpc::ServerContext* context,
                                 const berth::images::v1::ListImagesRequest* request,
                                 berth::images::v1::ListImagesResponse* response) {
  auto scoped = Scoped(context);
  if (!scoped.ok()) return ToGrpcStatus(scoped.status());
  auto details = Details(*scoped);
  if (!details.ok()) return ToGrpcStatus(details.status());
  // before= and since= compare creation times with a named image.
  std::map<std::string, int64_t> reference_times;
  for (const auto& [key, values] : request->filters()) {
    if (key != "dangling" && key != "reference" && key != "label" && key != "before" &&
        key != "since") {
      return grpc::Status(grpc::StatusCode::INVALID_ARGUMENT,
                          absl::StrCat("invalid filter '", key, "'"));
    }
    if (key == "before" || key == "since") {
      for (const std::string& value : values.values()) {
        auto other = Resolve(*scoped, value);
        if (!other.ok()) return ToGrpcStatus(other.status());
        reference_times[value] = other->created().seconds() * 1000000000 + other->created().nanos();
      }
    }
  }
  // docker images hides a build's intermediate images (untagged parents
  // of other images) unless -a.
  std::set<std::string> parents;
  if (!request->all()) {
    for (const ImageDetail& detail : *details) parents.insert(detail.parent());
  }
  for (ImageDetail& detail : *details) {
    if (detail.repo_tags_size() == 0 && parents.count(detail.id()) > 0) continue;
    bool keep = true;
    for (const auto& [key, values] : request->filters()) {
      bool any = false;
      for (const std::string& value : values.values()) {
        int64_t created = detail.created().seconds() * 1000000000 + detail.created().nanos();
        if (key == "dangling") {
          any |= (detail.repo_tags_size() == 0) == (value == "true" || value == "1");
        } else if (key == "before") {
          any |= created < reference_times[value];
        } else if (key == "since") {
          any |= created > reference_times[value];
        } else if (key == "label") {
          // label=KEY or label=KEY=VALUE against the config's Labels.
          auto config = nlohmann::json::parse(detail.config_json(), nullptr, false);
          const nlohmann::json labels =
              config.is_object() && config.contains("config") && config["config"].is_object()
                  ? config["config"].value("Labels", nlohmann::json::object())
                  : nlohmann::json::object();
          size_t eq = value.find('=');
          std::string name = value.substr(0, eq);
          any |= labels.is_object() && labels.contains(name) && labels[name].is_string() &&
                 (eq == std::string::npos || labels[name].get<std::string>() == value.substr(eq + 1));
        } else {
          // docker matches the pattern (a glob) against repo:tag, and
          // against the repository alone when the pattern names no tag.
          for (const std::string& tag : detail.repo_tags()) {
            std::string repository = tag.substr(0, tag.rfind(':'));
            any |= ::fnmatch(value.c_str(), tag.c_str(), FNM_PATHNAME) == 0 ||
                   ::fnmatch(value.c_str(), repository.c_str(), FNM_PATHNAME) == 0;
          }
        }
      }
      keep &= any;
    }
    if (keep) *response->add_images() = std::move(detail);
  }
  return grpc::Status::OK;
}

grpc::Status ImagesService::Get(grpc::ServerContext* context,
                                const berth::images::v1::GetImageRequest* request,
                                ImageDetail* response) {
  auto scoped = Scoped(context);
  if (!scoped.ok()) return ToGrpcStatus(scoped.status());
  auto detail = Resolve(*scoped, request->ref());
  if (!detail.ok()) return ToGrpcStatus(detail.status());
  *response = *std::move(detail);
  return grpc::Status::OK;
}

grpc::Status ImagesService::Tag(grpc::ServerContext* context, const berth::images::v1::TagRequest* request,
                                berth::images::v1::TagResponse* response) {
  auto scoped = Scoped(context);
  if (!scoped.ok()) return ToGrpcStatus(scoped.status());
  auto source = Resolve(*scoped, request->source());
  if (!source.ok()) return ToGrpcStatus(source.status());
  auto target = ParseReference(request->target());
  if (!target.ok()) return ToGrpcStatus(target.status());
  if (!target->digest.empty()) {
    return grpc::Status(grpc::StatusCode::INVALID_ARGUMENT,
                        "refusing to create a tag with a digest reference");
  }
  ImageRecord record;
  record.name = target->String();
  record.target = source->manifest();
  record.config_digest = source->id();
  record.size = source->size();
  record.image_created = source->created().seconds();
  record.parent = source->parent();
  auto changed = scoped->Put({record}, {});
  if (!changed.ok()) return ToGrpcStatus(changed.status());
  PublishEvent("tag", source->id(), target->Familiar(), source->id());
  response->mutable_image()->set_name(record.name);
  *response->mutable_image()->mutable_target() = record.target;
  return grpc::Status::OK;
}

absl::Status ImagesService::RemoveUnusedParents(ImageStore& images, std::string parent,
                                                berth::images::v1::RemoveImageResponse* response) {
  auto users = ContainerUsers(images.ns());
  if (!users.ok()) return users.status();
  // docker rmi: the build's intermediate images go with the last image
  // built on them, up to one that is tagged, has another child or a user.
  auto records = images.List();
  if (!records.ok()) return records.status();
  while (!parent.empty() && users->count(parent) == 0) {
    std::vector<ImageRecord> mine;
    bool has_child = false;
    for (const ImageRecord& record : *records) {
      if (record.config_digest == parent) mine.push_back(record);
      has_child |= record.parent == parent;
    }
    if (mine.empty() || has_child) break;
    bool tagged = false;
    for (const ImageRecord& record : mine) tagged |= !absl::StartsWith(record.name, "sha256:");
    if (tagged) break;
    for (const ImageRecord& record : mine) {
      if (absl::Status status = images.Delete(record.name); !status.ok()) return status;
    }
    records->erase(std::remove_if(records->begin(), records->end(),
                                  [&](const ImageRecord& record) {
                                    return record.config_digest == parent;
                                  }),
                   records->end());
    response->add_deleted(parent);
    PublishEvent("delete", parent, parent);
    parent = mine.front().parent;
  }
  return absl::OkStatus();
}

grpc::Status ImagesService::Remove(grpc::ServerContext* context,
                                   const berth::images::v1::RemoveImageRequest* request,
                                   berth::images::v1::RemoveImageResponse* response) {
  auto scoped = Scoped(context);
  if (!scoped.ok()) return ToGrpcStatus(scoped.status());
  auto detail = Resolve(*scoped, request->ref());
  if (!detail.ok()) return ToGrpcStatus(detail.status());
  auto reference = ParseReference(request->ref());
  bool by_name = reference.ok() && absl::StartsWith(detail->id(), "sha256:") &&
                 !absl::StartsWith(detail->id(), "sha256:" + request->ref()) &&
                 detail->id() != request->ref();
  auto records = scoped->List();
  if (!records.ok()) return ToGrpcStatus(records.status());
  std::vector<ImageRecord> same_id;
  for (const ImageRecord& record : *records) {
    if (record.config_digest == detail->id()) same_id.push_back(record);
  }
  int tags = detail->repo_tags_size();
  if (by_name && tags > 1) {
    // Untag only: other names still point at the image, as docker does.
    absl::Status status = scoped->Delete(reference->String());
    if (!status.ok()) return ToGrpcStatus(status);
    response->add_untagged(reference->Familiar());
    PublishEvent("untag", detail->id(), detail->id(), detail->id());
    return grpc::Status::OK;
  }
  if (!by_name && tags > 1 && !request->force()) {
    return grpc::Status(grpc::StatusCode::FAILED_PRECONDITION,
                        absl::StrCat("conflict: unable to delete ", detail->id().substr(7, 12),
                                     " (must be forced) - image is referenced in multiple "
                                     "repositories"));
  }
  // Containers made from the image hold it, as docker's rmi: a running one
  // even against -f; a stopped one unless forced, and then only the names go.
  bool in_use = false;
  // Only the caller's namespace's containers hold its names: the tasks
  // service lists those alone.
  if (containers_ != nullptr) {
    berth::tasks::v1::ListContainersRequest list;
    list.set_all(true);
    (*list.mutable_filters())["ancestor"].add_values(detail->id());
    berth::tasks::v1::ListContainersResponse users;
    grpc::ClientContext context;
    context.set_deadline(std::chrono::system_clock::now() + std::chrono::seconds(10));
    namespaces::SetNamespace(context, scoped->ns());
    grpc::Status listed = containers_->List(&context, list, &users);
    if (!listed.ok()) {
      return grpc::Status(grpc::StatusCode::UNAVAILABLE,
                          "rmi: cannot tell which containers use the image: " +
                              listed.error_message());
    }
    std::string short_id = detail->id().substr(7, 12);
    for (const auto& user : users.containers()) {
      bool running = user.state().status() == berth::tasks::v1::RUNNING ||
                     user.state().status() == berth::tasks::v1::PAUSED;
      if (running && request->force()) {
        return grpc::Status(grpc::StatusCode::FAILED_PRECONDITION,
                            absl::StrCat("conflict: unable to delete ", short_id,
                                         " (cannot be forced) - image is being used by running "
                                         "container ", user.id().substr(0, 12)));
      }
    }
    if (users.containers_size() > 0) {
      in_use = true;
      if (!request->force()) {
        std::string user = users.containers(0).id().substr(0, 12);
        return grpc::Status(
            grpc::StatusCode::FAILED_PRECONDITION,
            by_name ? absl::StrCat("conflict: unable to remove repository reference \"",
                                   request->ref(), "\" (must force) - container ", user,
                                   " is using its referenced image ", short_id)
                    : absl::StrCat("conflict: unable to delete ", short_id,
                                   " (must be forced) - image is being used by stopped container ",
                                   user));
      }
    }
  }
  for (const ImageRecord& record : same_id) {
    absl::Status status = scoped->Delete(record.name);
    if (!status.ok()) return ToGrpcStatus(status);
    auto name = ParseReference(record.name);
    response->add_untagged(name.ok() ? name->Familiar() : record.name);
    // A dangling image's record is its id, no tag.
    if (!absl::StartsWith(record.name, "sha256:")) {
      PublishEvent("untag", detail->id(), detail->id(), detail->id());
    }
  }
  // Forced past a stopped container: the names go, the layers stay for it.
  if (in_use) return grpc::Status::OK;
  response->add_deleted(detail->id());
  PublishEvent("delete", detail->id(), detail->id());
  if (absl::Status parents = RemoveUnusedParents(*scoped, detail->parent(), response);
      !parents.ok()) {
    return ToGrpcStatus(parents, "rmi");
  }
  // What only this image needed goes with it, as docker's rmi does.
  absl::MutexLock operation(&operations_);
  GarbageCollector collector(content_, images_, snapshots_.get(), leases_);
  auto collected = collector.Collect();
  if (!collected.ok()) return ToGrpcStatus(collected.status());
  for (const std::string& snapshot : collected->removed_snapshots) {
    if (absl::StartsWith(snapshot, "sha256:")) response->add_deleted(snapshot);
  }
  return grpc::Status::OK;
}

}  // namespace berth::images

namespace berth::images {

grpc::Status ImagesService::Login(grpc::ServerContext*,
                                  const berth::images::v1::LoginRequest* request,
                                  berth::images::v1::LoginResponse* response) {
  // Check the credentials against the registry's /v2/ endpoint; the CLI
  // keeps them (config.json), the daemon does not.
  Reference registry;
  registry.domain = request->auth().server_address().empty() ? "docker.io"
                                                             : request->auth().server_address();
  registry.path = "library/login-check";
  RegistryOptions options;
  options.mirrors = {};
  options.insecure_registries = config::InsecureRegistries(*config_->Get());
  options.credentials.username = request->auth().username();
  options.credentials.password = request->auth().password();
  options.max_attempts = 2;
  RegistryClient client(registry, options);
  absl::Status status = client.Ping();
  if (!status.ok()) return ToGrpcStatus(status, "login " + registry.domain);
  response->set_status("Login Succeeded");
  return grpc::Status::OK;
}

}  // namespace berth::images

namespace berth::images {

grpc::Status ImagesService::Push(grpc::ServerContext* context, const berth::images::v1::PushRequest* request,
                                 grpc::ServerWriter<berth::images::v1::PushResponse>* writer) {
  auto scoped = Scoped(context);
  if (!scoped.ok()) return ToGrpcStatus(scoped.status());
  auto reference = ParseReference(request->ref());
  if (!reference.ok()) return ToGrpcStatus(reference.status());
  if (reference->tag.empty()) {
    return grpc::Status(grpc::StatusCode::INVALID_ARGUMENT, "push needs a tag, not a digest");
  }
  auto record = scoped->Get(reference->String());
  if (!record.ok()) {
    return grpc::Status(grpc::StatusCode::NOT_FOUND,
                        absl::StrCat("An image does not exist locally with the tag: ",
                                     reference->Familiar()));
  }
  auto body = content_->ReadAll(record->target.digest());
  if (!body.ok()) return ToGrpcStatus(body.status(), "push " + reference->String());
  std::string media_type = record->target.media_type();
  if (IsIndex(media_type)) {
    // Only the platform that was pulled is here: push that manifest.
    auto index = ParseIndex(*body);
    if (!index.ok()) return ToGrpcStatus(index.status());
    auto chosen = SelectManifest(*index, HostPlatform());
    if (!chosen.ok()) return ToGrpcStatus(chosen.status());
    body = content_->ReadAll(chosen->digest());
    if (!body.ok()) return ToGrpcStatus(body.status(), "push " + reference->String());
    media_type = chosen->media_type();
  }
  auto manifest = ParseManifest(*body);
  if (!manifest.ok()) return ToGrpcStatus(manifest.status());

  RegistryOptions options;
  options.insecure_registries = config::InsecureRegistries(*config_->Get());
  options.credentials.username = request->auth().username();
  options.credentials.password = request->auth().password();
  RegistryClient client(*reference, options);
  absl::Mutex send_mu;  // uploads report from several threads
  auto send = [writer, &send_mu](const std::string& id, const std::string& status) {
    berth::images::v1::PushResponse response;
    response.mutable_progress()->set_id(id);
    response.mutable_progress()->set_status(status);
    absl::MutexLock lock(&send_mu);
    writer->Write(response);
  };
  send("", absl::StrCat("The push refers to repository [", reference->Name(), "]"));
  std::vector<Descriptor> blobs = manifest->layers;
  blobs.push_back(manifest->config);
  for (const Descriptor& blob : blobs) {
    if (!content_->Exists(blob.digest())) {
      return grpc::Status(grpc::StatusCode::FAILED_PRECONDITION,
                          absl::StrCat("push ", reference->String(), ": blob ", blob.digest(),
                                       " is not in the content store"));
    }
  }
  // The layers go up several at once within max-concurrent-uploads, as
  // dockerd's; the config after them, then the manifest that names them.
  auto upload = [&](const Descriptor& blob, bool is_config) -> absl::Status {
    std::string id = ShortId(blob.digest());
    auto exists = client.BlobExists(blob.digest());
    if (!exists.ok()) return exists.status();
    if (*exists) {
      if (!is_config) send(id, "Layer already exists");
      return absl::OkStatus();
    }
    if (!is_config) send(id, "Pushing");
    absl::Status uploaded =
        client.UploadBlob(blob.digest(), content_->BlobPath(*DigestHex(blob.digest())), blob.size());
    if (uploaded.ok() && !is_config) send(id, "Pushed");
    return uploaded;
  };
  std::vector<absl::Status> results(manifest->layers.size());
  {
    Transfers uploads(manifest->layers.size(), &uploads_,
                      [&](size_t i) { results[i] = upload(manifest->layers[i], false); });
  }
  results.push_back(upload(manifest->config, true));
  for (const absl::Status& result : results) {
    if (!result.ok()) return ToGrpcStatus(result, "push " + reference->String());
  }
  auto digest = client.PutManifest(reference->tag, media_type, *body);
  if (!digest.ok()) return ToGrpcStatus(digest.status(), "push " + reference->String());
  berth::images::v1::PushResponse last;
  last.add_messages(absl::StrCat(reference->tag, ": digest: ", *digest, " size: ", body->size()));
  last.mutable_pushed()->set_digest(*digest);
  last.mutable_pushed()->set_media_type(media_type);
  last.mutable_pushed()->set_size(static_cast<int64_t>(body->size()));
  writer->Write(last);
  PublishEvent("push", reference->Familiar(), reference->Familiar(), record->config_digest);
  return grpc::Status::OK;
}

}  // namespace berth::images

namespace berth::images {

grpc::Status ImagesService::History(grpc::ServerContext* context,
                                    const berth::images::v1::HistoryRequest* request,
                                    berth::images::v1::HistoryResponse* response) {
  auto scoped = Scoped(context);
  if (!scoped.ok()) return ToGrpcStatus(scoped.status());
  auto detail = Resolve(*scoped, request->ref());
  if (!detail.ok()) return ToGrpcStatus(detail.status());
  nlohmann::json config = nlohmann::json::parse(detail->config_json(), nullptr, false);
  std::vector<std::string> diff_ids(detail->diff_ids().begin(), detail->diff_ids().end());
  std::vector<std::string> chain = ChainIds(diff_ids);
  nlohmann::json history = config.is_object() && config.contains("history") && config["history"].is_array()
                               ? config["history"]
                               : nlohmann::json::array();
  size_t layer = 0;
  std::vector<berth::images::v1::HistoryEntry> entries;
  for (const auto& item : history) {
    berth::images::v1::HistoryEntry entry;
    std::string created = item.value("created", "");
    absl::Time time;
    std::string error;
    if (absl::ParseTime(absl::RFC3339_full, created, &time, &error)) {
      entry.mutable_created()->set_seconds(absl::ToUnixSeconds(time));
    }
    entry.set_created_by(item.value("created_by", ""));
    entry.set_comment(item.value("comment", ""));
    entry.set_empty_layer(item.value("empty_layer", false));
    if (!entry.empty_layer() && layer < chain.size()) {
      // Unpacked size of this layer alone: its snapshot's own files.
      grpc::ClientContext context;
      berth::snapshots::v1::UsageRequest usage_request;
      usage_request.set_key(chain[layer]);
      berth::snapshots::v1::UsageResponse usage;
      if (snapshots_->Usage(&context, usage_request, &usage).ok()) entry.set_size(usage.size());
      ++layer;
    }
    entry.set_id("<missing>");
    entries.push_back(std::move(entry));
  }
  // Newest first. Each image of the parent chain (a build's steps, a
  // commit) made the newest entry left, which carries its id and tags, as
  // docker prints them; entries of a pulled image's own past are <missing>.
  std::vector<berth::images::v1::ImageDetail> lineage = {*detail};
  while (lineage.size() < entries.size() && !lineage.back().parent().empty()) {
    auto parent = Resolve(*scoped, lineage.back().parent());
    if (!parent.ok()) break;
    lineage.push_back(*std::move(parent));
  }
  size_t index = 0;
  for (auto it = entries.rbegin(); it != entries.rend(); ++it, ++index) {
    if (index < lineage.size()) {
      it->set_id(lineage[index].id());
      for (const std::string& tag : lineage[index].repo_tags()) it->add_tags(tag);
    }
    *response->add_entries() = std::move(*it);
  }
  return grpc::Status::OK;
}

}  // namespace berth::images

namespace berth::images {

grpc::Status ImagesService::Prune(grpc::ServerContext* context,
                                  const berth::images::v1::PruneImagesRequest* request,
                                  berth::images::v1::PruneImagesResponse* response) {
  auto scoped = Scoped(context);
  if (!scoped.ok()) return ToGrpcStatus(scoped.status());
  absl::MutexLock operation(&operations_);
  auto records = scoped->List();
  if (!records.ok()) return ToGrpcStatus(records.status());
  // Without --all only dangling images (no tag) go; never one a container
  // was made from, as docker.
  auto users = ContainerUsers(scoped->ns());
  if (!users.ok()) return ToGrpcStatus(users.status(), "prune");
  auto matches = PruneFilter(request->filters());
  if (!matches.ok()) return ToGrpcStatus(matches.status(), "prune");
  std::set<std::string> deleted_ids;
  std::vector<const ImageRecord*> doomed;
  std::set<std::string> kept_ids;
  for (const ImageRecord& record : *records) {
    bool dangling = absl::StartsWith(record.name, "sha256:");
    auto config = ConfigFacts(record.config_digest);
    if ((!dangling && !request->all()) || users->count(record.config_digest) > 0 ||
        !(*matches)(record, config.ok() ? config->config_json() : "")) {
      kept_ids.insert(record.config_digest);
    } else {
      doomed.push_back(&record);
    }
  }
  // An intermediate image stays while an image built on it stays.
  for (bool grew = true; grew;) {
    grew = false;
    std::set<std::string> kept_parents;
    for (const ImageRecord& record : *records) {
      if (kept_ids.count(record.config_digest) > 0) kept_parents.insert(record.parent);
    }
    for (const ImageRecord* record : doomed) {
      if (kept_parents.count(record->config_digest) > 0 &&
          kept_ids.insert(record->config_digest).second) {
        grew = true;
      }
    }
  }
  for (const ImageRecord* doomed_record : doomed) {
    const ImageRecord& record = *doomed_record;
    if (kept_ids.count(record.config_digest) > 0) continue;
    bool dangling = absl::StartsWith(record.name, "sha256:");
    absl::Status status = scoped->Delete(record.name);
    if (!status.ok()) return ToGrpcStatus(status);
    if (!dangling && record.name.find('@') == std::string::npos) {
      auto name = ParseReference(record.name);
      response->add_untagged(name.ok() ? name->Familiar() : record.name);
    }
    deleted_ids.insert(record.config_digest);
  }
  for (const std::string& id : deleted_ids) response->add_deleted(id);
  GarbageCollector collector(content_, images_, snapshots_.get(), leases_);
  auto collected = collector.Collect();
  if (!collected.ok()) return ToGrpcStatus(collected.status());
  for (const std::string& snapshot : collected->removed_snapshots) {
    if (absl::StartsWith(snapshot, "sha256:")) response->add_deleted(snapshot);
  }
  response->set_space_reclaimed(collected->bytes_freed);
  return grpc::Status::OK;
}

}  // namespace berth::images

namespace berth::images {

absl::StatusOr<std::map<std::string, int64_t>> ImagesService::ContainerUsers(const std::string& ns) {
  std::map<std::string, int64_t> users;
  if (containers_ == nullptr) return users;
  berth::tasks::v1::ListContainersRequest list;
  list.set_all(true);
  berth::tasks::v1::ListContainersResponse listed;
  grpc::ClientContext context;
  context.set_deadline(std::chrono::system_clock::now() + std::chrono::seconds(10));
  namespaces::SetNamespace(context, ns);
  grpc::Status status = containers_->List(&context, list, &listed);
  if (!status.ok()) {
    return absl::UnavailableError("cannot tell which containers use images: " + status.error_message());
  }
  for (const auto& container : listed.containers()) ++users[container.image_id()];
  return users;
}

grpc::Status ImagesService::DiskUsage(grpc::ServerContext* context,
                                      const berth::images::v1::DiskUsageRequest*,
                                      berth::images::v1::DiskUsageResponse* response) {
  auto scoped = Scoped(context);
  if (!scoped.ok()) return ToGrpcStatus(scoped.status());
  auto details = Details(*scoped);
  if (!details.ok()) return ToGrpcStatus(details.status());
  // docker counts an image as active while any container, running or not,
  // was made from it.
  auto container_users = ContainerUsers(scoped->ns());
  if (!container_users.ok()) return ToGrpcStatus(container_users.status(), "disk usage");
  std::map<std::string, int64_t>& users = *container_users;
  // Shared layers count once: sum the unpacked size of each chain id.
  std::vector<std::vector<std::string>> image_chains;
  std::map<std::string, int> holders;
  for (const ImageDetail& detail : *details) {
    std::vector<std::string> diff_ids(detail.diff_ids().begin(), detail.diff_ids().end());
    image_chains.push_back(ChainIds(diff_ids));
    for (const std::string& chain : image_chains.back()) ++holders[chain];
  }
  std::map<std::string, int64_t> chain_size;
  int64_t total = 0, shared = 0;
  for (const auto& [chain, count] : holders) {
    grpc::ClientContext context;
    berth::snapshots::v1::UsageRequest request;
    request.set_key(chain);
    berth::snapshots::v1::UsageResponse usage;
    if (snapshots_->Usage(&context, request, &usage).ok()) chain_size[chain] = usage.size();
    total += chain_size[chain];
    if (count > 1) shared += chain_size[chain];
  }
  std::set<std::string> used;
  for (size_t i = 0; i < details->size(); ++i) {
    ImageDetail& detail = (*details)[i];
    detail.set_containers(users[detail.id()]);
    int64_t image_shared = 0;
    for (const std::string& chain : image_chains[i]) {
      if (holders[chain] > 1) image_shared += chain_size[chain];
      if (detail.containers() > 0) used.insert(chain);
    }
    detail.set_shared_size(image_shared);
    if (detail.containers() > 0) response->set_active(response->active() + 1);
    *response->add_images() = std::move(detail);
  }
  int64_t in_use = 0;
  for (const std::string& chain : used) in_use += chain_size[chain];
  response->set_total_size(total);
  response->set_shared_size(shared);
  response->set_reclaimable(total - in_use);
  return grpc::Status::OK;
}

}  // namespace berth::images
