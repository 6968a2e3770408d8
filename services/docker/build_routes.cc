// docker build: POST /build through the builder service (the context tar
// streamed on as it arrives, the output streamed back as dockerd's JSON
// lines), and POST /build/prune.

#include "absl/strings/str_cat.h"
#include "absl/time/clock.h"
#include "services/docker/build_options.h"
#include "services/docker/build_output.h"
#include "services/docker/routes.h"
#include "services/docker/streams.h"

namespace berth::docker {
namespace {

using berth::builder::v1::BuildRequest;
using berth::builder::v1::BuildResponse;
using BuildCall = grpc::ClientReaderWriter<BuildRequest, BuildResponse>;

// The builder's answer as the HTTP body; a client that leaves cancels the
// build (the builder then stops the step in flight).
class BuildStream : public http::BodyStream {
 public:
  BuildStream(std::unique_ptr<grpc::ClientContext> context, std::unique_ptr<BuildCall> call,
              BuildOutput output, std::string first, int client_fd)
      : context_(std::move(context)),
        call_(std::move(call)),
        output_(std::move(output)),
        pending_(std::move(first)),
        watch_(client_fd, context_.get()) {}

  bool Next(std::string* chunk) override {
    if (!pending_.empty()) {
      chunk->swap(pending_);
      pending_.clear();
      return true;
    }
    if (finished_) return false;
    BuildResponse message;
    while (call_->Read(&message)) {
      *chunk = output_.Add(message);
      if (!chunk->empty()) return true;
    }
    finished_ = true;
    *chunk = output_.Finish(call_->Finish());
    return !chunk->empty();
  }

  void Cancel() override { context_->TryCancel(); }

 private:
  std::unique_ptr<grpc::ClientContext> context_;
  std::unique_ptr<BuildCall> call_;
  BuildOutput output_;
  std::string pending_;
  bool finished_ = false;
  ClientWatch watch_;
};

http::HttpResponse Build(const Backends& backends, const ApiRequest& request) {
  const http::HttpRequest& http = request.http;
  auto options = BuildOptionsFromRequest(http);
  if (!options.ok()) {
    return http::HttpResponse::Error(HttpStatusFor(static_cast<grpc::StatusCode>(options.status().code())),
                                     std::string(options.status().message()));
  }
  const bool quiet = options->quiet();
  // No wait_for_ready (as load and import): with the builder down, a
  // client must get an answer, not wait while it holds its upload.
  auto context = std::make_unique<grpc::ClientContext>();
  std::unique_ptr<BuildCall> call = backends.builder->Build(context.get());
  BuildRequest first;
  *first.mutable_options() = *std::move(options);
  // The context goes on piece by piece: a build of any size holds a few
  // MiB here. A builder that stops reading (it refused the context) ends
  // the copy; its status says why.
  bool open = call->Write(first);
  std::string chunk;
  while (open && http.ReadBody(&chunk)) {
    BuildRequest data;
    data.set_context(std::move(chunk));
    open = call->Write(data);
  }
  if (http.BodyAborted()) {
    // A client gone mid-context: nothing is built.
    context->TryCancel();
    call->Finish().IgnoreError();
    return http::HttpResponse::Error(400, "build: the client went away while sending the context");
  }
  call->WritesDone();

  BuildOutput output(quiet);
  std::string lines;
  // A failure before any output (no Dockerfile, a parse error) is the
  // answer's status, as dockerd's; later ones go in the stream. A quiet
  // build has no output to wait for: its errors always go in the stream.
  if (!quiet) {
    BuildResponse message;
    if (!call->Read(&message)) {
      grpc::Status status = call->Finish();
      if (!status.ok()) return ErrorResponse(status);
      return http::HttpResponse::Json(200, output.Finish(status));
    }
    lines = output.Add(message);
  }
  http::HttpResponse response;
  response.stream = std::make_unique<BuildStream>(std::move(context), std::move(call), std::move(output),
                                                  std::move(lines), http.connection_fd);
  return response;
}

// The age a prune's until= or unused-for= filter names: a duration
// ("24h", as buildkit reads it) or, from other clients, a time.
std::optional<int64_t> OlderThanSeconds(const std::string& value) {
  absl::Duration duration;
  if (absl::ParseDuration(value, &duration)) return absl::ToInt64Seconds(duration);
  google::protobuf::Timestamp time;
  if (!ParseApiTime(value, &time)) return std::nullopt;
  return std::max<int64_t>(0, absl::ToUnixSeconds(absl::Now()) - time.seconds());
}

http::HttpResponse PruneCache(const Backends& backends, const ApiRequest& request) {
  http::HttpResponse error;
  auto filters = ParseFilters(request, &error);
  if (!filters) return error;
  berth::builder::v1::PruneCacheRequest prune;
  for (const auto& [key, values] : *filters) {
    if (key == "until" || key == "unused-for") {
      if (values.size() != 1) {
        return http::HttpResponse::Error(400, absl::StrCat("\"", key, "\" filter expects one value"));
      }
      std::optional<int64_t> age = OlderThanSeconds(values[0]);
      if (!age) {
        return http::HttpResponse::Error(
            400, absl::StrCat("\"", key, "\" filter expects a duration (e.g., '24h'): ", values[0]));
      }
      prune.set_older_than_seconds(std::max<int64_t>(*age, 1));
    } else if (key == "label") {
      // Cache entries carry no labels: a label= filter matches none
      // (docker system prune --filter label=... passes it on here).
      if (!values.empty()) {
        return JsonResponse(200, {{"CachesDeleted", nlohmann::json::array()}, {"SpaceReclaimed", 0}});
      }
    } else if (key != "label!") {
      return http::HttpResponse::Error(400, absl::StrCat("invalid filter '", key, "'"));
    }
  }
  berth::builder::v1::PruneCacheResponse response;
  auto context = UnaryContext();
  grpc::Status status = backends.builder->PruneCache(context.get(), prune, &response);
  if (!status.ok()) return ErrorResponse(status);
  // The builder's cache entries point at images, whose layers image
  // removal frees: the entries themselves reclaim no space, and have no
  // IDs of their own to list.
  return JsonResponse(200, {{"CachesDeleted", nlohmann::json::array()}, {"SpaceReclaimed", 0}});
}

}  // namespace

void AddBuildRoutes(Router& router, const Backends& backends) {
  router.Add("POST", "/build", Bind(backends, Build));
  router.Add("POST", "/build/prune", Bind(backends, PruneCache));
}

}  // namespace berth::docker
