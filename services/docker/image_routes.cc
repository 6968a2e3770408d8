// Images: pull (and import) through /images/create, list, inspect, history,
// tag, remove, prune.

#include "absl/strings/match.h"
#include "absl/strings/str_cat.h"
#include "cli/commands/image_json.h"
#include "cli/commands/container_parse.h"
#include "cli/output.h"
#include "services/docker/routes.h"
#include "services/docker/streams.h"

namespace berth::docker {
namespace {

using berth::images::v1::ImageDetail;
using nlohmann::json;

std::string Dump(const json& value) { return value.dump() + "\n"; }

// dockerd's progress message for one layer or one line of news.
json ProgressJson(const berth::images::v1::Progress& progress) {
  json line = {{"status", progress.status()}};
  if (!progress.id().empty()) line["id"] = progress.id();
  if (progress.total() > 0 || !progress.id().empty()) {
    json detail = json::object();
    if (progress.total() > 0) {
      detail = {{"current", progress.current()}, {"total", progress.total()}};
      int width = 50;
      int filled = static_cast<int>(width * std::min(progress.current(), progress.total()) /
                                    progress.total());
      std::string bar(static_cast<size_t>(filled), '=');
      if (filled < width) bar += ">";
      bar.resize(static_cast<size_t>(width), ' ');
      line["progress"] = absl::StrCat("[", bar, "]  ",
                                      berth::cli::HumanSize(static_cast<double>(progress.current())),
                                      "/", berth::cli::HumanSize(static_cast<double>(progress.total())));
    }
    line["progressDetail"] = detail;
  }
  return line;
}

json ErrorLine(const std::string& message) {
  return {{"errorDetail", {{"message", message}}}, {"error", message}};
}

class PullStream : public http::BodyStream {
 public:
  PullStream(std::unique_ptr<grpc::ClientContext> context,
             std::unique_ptr<grpc::ClientReader<berth::images::v1::PullResponse>> reader,
             std::string first)
      : context_(std::move(context)), reader_(std::move(reader)), pending_(std::move(first)) {}

  bool Next(std::string* chunk) override {
    if (!pending_.empty()) {
      *chunk = std::move(pending_);
      pending_.clear();
      return true;
    }
    if (finished_) return false;
    berth::images::v1::PullResponse response;
    if (reader_->Read(&response)) {
      *chunk = Lines(response);
      return true;
    }
    finished_ = true;
    grpc::Status status = reader_->Finish();
    if (status.ok()) return false;
    *chunk = Dump(ErrorLine(status.error_message()));
    return true;
  }

  void Cancel() override { context_->TryCancel(); }

  static std::string Lines(const berth::images::v1::PullResponse& response) {
    std::string out;
    if (response.has_progress()) out += Dump(ProgressJson(response.progress()));
    for (const std::string& message : response.messages()) out += Dump({{"status", message}});
    return out;
  }

 private:
  std::unique_ptr<grpc::ClientContext> context_;
  std::unique_ptr<grpc::ClientReader<berth::images::v1::PullResponse>> reader_;
  std::string pending_;
  bool finished_ = false;
};

http::HttpResponse Pull(const Backends& backends, const ApiRequest& request) {
  const http::HttpRequest& http = request.http;
  std::string ref = http.Query("fromImage");
  std::string tag = http.Query("tag");
  if (!tag.empty()) ref += (absl::StartsWith(tag, "sha256:") ? "@" : ":") + tag;
  berth::images::v1::PullRequest pull;
  pull.set_ref(ref);
  std::string platform = http.Query("platform");
  if (!platform.empty()) {
    auto parsed = berth::cli::ParsePlatform(platform);
    if (!parsed.ok()) return http::HttpResponse::Error(400, std::string(parsed.status().message()));
    *pull.mutable_platform() = *parsed;
  }
  ReadRegistryAuth(http, pull.mutable_auth());
  auto context = std::make_unique<grpc::ClientContext>();
  auto reader = backends.images->Pull(context.get(), pull);
  // A failure before anything is sent is the call's status (404 makes the
  // CLI print "pull access denied" / "not found" as dockerd's); later ones
  // go in the stream.
  berth::images::v1::PullResponse first;
  if (!reader->Read(&first)) {
    grpc::Status status = reader->Finish();
    if (!status.ok()) return ErrorResponse(status);
  }
  http::HttpResponse response;
  response.stream = std::make_unique<PullStream>(std::move(context), std::move(reader),
                                                 PullStream::Lines(first));
  return response;
}

// fromSrc=-: the body is a root filesystem tarball (docker import).
http::HttpResponse Import(const Backends& backends, const ApiRequest& request) {
  const http::HttpRequest& http = request.http;
  if (http.Query("fromSrc") != "-") {
    return http::HttpResponse::Error(501, "import from a URL is not supported by berth: send the tarball");
  }
  if (http.body_truncated) return http::HttpResponse::Error(413, "request body too large");
  grpc::ClientContext context;
  berth::images::v1::ImportResponse imported;
  auto writer = backends.images->Import(&context, &imported);
  berth::images::v1::ImportRequest header;
  std::string ref = http.Query("repo");
  if (!ref.empty() && !http.Query("tag").empty()) ref += ":" + http.Query("tag");
  header.mutable_header()->set_ref(ref);
  header.mutable_header()->set_message(http.Query("message"));
  for (auto [key, value] : http.query) {
    if (key == "changes") header.mutable_header()->add_changes(value);
  }
  writer->Write(header);
  std::string chunk;
  while (http.ReadBody(&chunk)) {
    berth::images::v1::ImportRequest data;
    data.set_data(std::move(chunk));
    if (!writer->Write(data)) break;
  }
  // A client gone mid-body: cancelled, the service keeps nothing.
  if (http.BodyAborted()) context.TryCancel();
  writer->WritesDone();
  grpc::Status status = writer->Finish();
  if (!status.ok()) return ErrorResponse(status);
  return JsonResponse(200, {{"status", imported.image().id()}});
}

json Summary(const ImageDetail& image) {
  json config = json::parse(image.config_json(), nullptr, false);
  json labels = json::object();
  if (config.is_object() && config.contains("config") && config["config"].is_object() &&
      config["config"].contains("Labels") && config["config"]["Labels"].is_object()) {
    labels = config["config"]["Labels"];
  }
  return {{"Id", image.id()},
          {"ParentId", image.parent()},
          {"RepoTags", std::vector<std::string>(image.repo_tags().begin(), image.repo_tags().end())},
          {"RepoDigests",
           std::vector<std::string>(image.repo_digests().begin(), image.repo_digests().end())},
          {"Created", image.created().seconds()},
          {"Size", image.size()},
          {"VirtualSize", image.size()},
          {"SharedSize", -1},
          {"Labels", labels},
          {"Containers", -1}};
}

http::HttpResponse List(const Backends& backends, const ApiRequest& request) {
  http::HttpResponse error;
  auto filters = ParseFilters(request, &error);
  if (!filters) return error;
  berth::images::v1::ListImagesRequest list;
  list.set_all(request.http.QueryBool("all"));
  for (const auto& [key, values] : *filters) {
    for (const std::string& value : values) (*list.mutable_filters())[key].add_values(value);
  }
  berth::images::v1::ListImagesResponse response;
  auto context = UnaryContext();
  grpc::Status status = backends.images->List(context.get(), list, &response);
  if (!status.ok()) return ErrorResponse(status);
  json rows = json::array();
  for (const ImageDetail& image : response.images()) rows.push_back(Summary(image));
  return JsonResponse(200, rows);
}

http::HttpResponse Inspect(const Backends& backends, const ApiRequest& request) {
  berth::images::v1::GetImageRequest get;
  get.set_ref(request.param(0));
  ImageDetail image;
  auto context = UnaryContext();
  grpc::Status status = backends.images->Get(context.get(), get, &image);
  if (!status.ok()) return ErrorResponse(status);
  return JsonResponse(200, berth::cli::ImageInspectJson(image));
}

http::HttpResponse History(const Backends& backends, const ApiRequest& request) {
  berth::images::v1::HistoryRequest history;
  history.set_ref(request.param(0));
  berth::images::v1::HistoryResponse response;
  auto context = UnaryContext();
  grpc::Status status = backends.images->History(context.get(), history, &response);
  if (!status.ok()) return ErrorResponse(status);
  json rows = json::array();
  for (const auto& entry : response.entries()) {
    rows.push_back({{"Id", entry.id().empty() ? "<missing>" : entry.id()},
                    {"Created", entry.created().seconds()},
                    {"CreatedBy", entry.created_by()},
                    {"Tags", entry.tags_size() == 0
                                 ? json()
                                 : json(std::vector<std::string>(entry.tags().begin(),
                                                                 entry.tags().end()))},
                    {"Size", entry.size()},
                    {"Comment", entry.comment()}});
  }
  return JsonResponse(200, rows);
}

http::HttpResponse Tag(const Backends& backends, const ApiRequest& request) {
  std::string target = request.http.Query("repo");
  if (target.empty()) return http::HttpResponse::Error(400, "repository name must have at least one component");
  std::string tag = request.http.Query("tag");
  if (!tag.empty()) target += ":" + tag;
  berth::images::v1::TagRequest call;
  call.set_source(request.param(0));
  call.set_target(target);
  berth::images::v1::TagResponse response;
  auto context = UnaryContext();
  grpc::Status status = backends.images->Tag(context.get(), call, &response);
  if (!status.ok()) return ErrorResponse(status);
  return http::HttpResponse::Empty(201);
}

http::HttpResponse Remove(const Backends& backends, const ApiRequest& request) {
  berth::images::v1::RemoveImageRequest call;
  call.set_ref(request.param(0));
  call.set_force(request.http.QueryBool("force"));
  call.set_no_prune(request.http.QueryBool("noprune"));
  berth::images::v1::RemoveImageResponse response;
  auto context = UnaryContext();
  grpc::Status status = backends.images->Remove(context.get(), call, &response);
  if (!status.ok()) return ErrorResponse(status);
  json rows = json::array();
  for (const std::string& name : response.untagged()) rows.push_back({{"Untagged", name}});
  for (const std::string& id : response.deleted()) rows.push_back({{"Deleted", id}});
  return JsonResponse(200, rows);
}

http::HttpResponse Prune(const Backends& backends, const ApiRequest& request) {
  http::HttpResponse error;
  auto filters = ParseFilters(request, &error);
  if (!filters) return error;
  berth::images::v1::PruneImagesRequest prune;
  for (const auto& [key, values] : *filters) {
    for (const std::string& value : values) {
      // docker: dangling=false prunes every unused image (-a).
      if (key == "dangling" && (value == "false" || value == "0")) {
        prune.set_all(true);
        continue;
      }
      if (key == "dangling") continue;
      (*prune.mutable_filters())[key].add_values(value);
    }
  }
  berth::images::v1::PruneImagesResponse response;
  auto context = UnaryContext();
  grpc::Status status = backends.images->Prune(context.get(), prune, &response);
  if (!status.ok()) return ErrorResponse(status);
  json rows = json::array();
  for (const std::string& name : response.untagged()) rows.push_back({{"Untagged", name}});
  for (const std::string& id : response.deleted()) rows.push_back({{"Deleted", id}});
  return JsonResponse(200, {{"ImagesDeleted", rows.empty() ? json() : rows},
                            {"SpaceReclaimed", response.space_reclaimed()}});
}

http::HttpResponse Search(const ApiRequest&) {
  return http::HttpResponse::Error(
      501, "search is not supported by berth: it has no registry index to search offline");
}

}  // namespace

void AddImageRoutes(Router& router, const Backends& backends) {
  router.Add("POST", "/images/create", [&backends](const ApiRequest& r) {
    return r.http.HasQuery("fromSrc") ? Import(backends, r) : Pull(backends, r);
  });
  router.Add("GET", "/images/json", Bind(backends, List));
  router.Add("POST", "/images/prune", Bind(backends, Prune));
  router.Add("GET", "/images/search", Search);
  router.Add("GET", "/images/{name*}/json", Bind(backends, Inspect));
  router.Add("GET", "/images/{name*}/history", Bind(backends, History));
  router.Add("POST", "/images/{name*}/tag", Bind(backends, Tag));
  router.Add("DELETE", "/images/{name*}", Bind(backends, Remove));
}

}  // namespace berth::docker
