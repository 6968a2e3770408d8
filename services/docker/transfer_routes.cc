// What moves files and images in and out: cp (archive), export, commit,
// save (images/get), load, push.

#include <sys/stat.h>

#include "absl/strings/escaping.h"
#include "absl/strings/str_cat.h"
#include "absl/time/time.h"
#include "cli/commands/container_format.h"
#include "services/docker/routes.h"
#include "services/docker/streams.h"

namespace berth::docker {
namespace {

using nlohmann::json;

std::string Dump(const json& value) { return value.dump() + "\n"; }

// Go's os.FileMode from a unix st_mode: the type bits where Go keeps them
// (the docker CLI asks IsDir() and the symlink bit of this).
uint32_t GoFileMode(uint32_t mode) {
  uint32_t go = mode & 0777;
  if (S_ISDIR(mode)) go |= 1u << 31;
  if (S_ISLNK(mode)) go |= 1u << 27;
  if (S_ISFIFO(mode)) go |= 1u << 25;
  if (S_ISSOCK(mode)) go |= 1u << 24;
  if (S_ISCHR(mode)) go |= (1u << 26) | (1u << 21);
  if (S_ISBLK(mode)) go |= 1u << 26;
  if (mode & S_ISUID) go |= 1u << 23;
  if (mode & S_ISGID) go |= 1u << 22;
  if (mode & S_ISVTX) go |= 1u << 20;
  return go;
}

std::string PathStatHeader(const berth::tasks::v1::PathStat& stat) {
  json body = {{"name", stat.name()},
               {"size", stat.size()},
               {"mode", GoFileMode(stat.mode())},
               {"mtime", berth::cli::Rfc3339Nano(stat.mtime())},
               {"linkTarget", stat.link_target()}};
  return absl::Base64Escape(body.dump());
}

// A gRPC stream of bytes as an HTTP body: the first message was read to
// turn an early failure into a status.
template <typename Message>
class ChunkStream : public http::BodyStream {
 public:
  using Extract = std::function<std::string(const Message&)>;
  ChunkStream(std::unique_ptr<grpc::ClientContext> context,
              std::unique_ptr<grpc::ClientReader<Message>> reader, std::string first,
              Extract extract, int client_fd)
      : context_(std::move(context)),
        reader_(std::move(reader)),
        pending_(std::move(first)),
        extract_(std::move(extract)),
        watch_(client_fd, context_.get()) {}

  bool Next(std::string* chunk) override {
    if (!pending_.empty()) {
      chunk->swap(pending_);
      pending_.clear();
      return true;
    }
    Message message;
    while (reader_->Read(&message)) {
      *chunk = extract_(message);
      if (!chunk->empty()) return true;
    }
    // A failure after the 200 can only cut the stream short.
    reader_->Finish().IgnoreError();
    return false;
  }

  void Cancel() override { context_->TryCancel(); }

 private:
  std::unique_ptr<grpc::ClientContext> context_;
  std::unique_ptr<grpc::ClientReader<Message>> reader_;
  std::string pending_;
  Extract extract_;
  ClientWatch watch_;
};

http::HttpResponse ArchiveGet(const Backends& backends, const ApiRequest& request, bool head) {
  berth::tasks::v1::CopyFromRequest copy;
  copy.set_id(request.param(0));
  copy.set_path(request.http.Query("path"));
  copy.set_stat_only(head);
  auto context = std::make_unique<grpc::ClientContext>();
  auto reader = backends.containers->CopyFrom(context.get(), copy);
  berth::tasks::v1::CopyFromResponse first;
  if (!reader->Read(&first) || !first.has_stat()) {
    grpc::Status status = reader->Finish();
    return ErrorResponse(status.ok() ? grpc::Status(grpc::StatusCode::INTERNAL, "no path stat")
                                     : status);
  }
  http::HttpResponse response;
  response.content_type = "application/x-tar";
  response.headers = {{"X-Docker-Container-Path-Stat", PathStatHeader(first.stat())}};
  if (head) {
    context->TryCancel();
    reader->Finish().IgnoreError();
    return response;
  }
  response.stream = std::make_unique<ChunkStream<berth::tasks::v1::CopyFromResponse>>(
      std::move(context), std::move(reader), "",
      [](const berth::tasks::v1::CopyFromResponse& m) { return m.data(); },
      request.http.connection_fd);
  return response;
}

http::HttpResponse ArchivePut(const Backends& backends, const ApiRequest& request) {
  if (request.http.body_truncated) return http::HttpResponse::Error(413, "request body too large");
  grpc::ClientContext context;
  berth::tasks::v1::CopyToResponse response;
  auto writer = backends.containers->CopyTo(&context, &response);
  berth::tasks::v1::CopyToRequest header;
  header.mutable_header()->set_id(request.param(0));
  header.mutable_header()->set_path(request.http.Query("path"));
  header.mutable_header()->set_no_overwrite_dir_non_dir(request.http.QueryBool("noOverwriteDirNonDir"));
  header.mutable_header()->set_copy_uid_gid(request.http.QueryBool("copyUIDGID"));
  writer->Write(header);
  std::string chunk;
  while (request.http.ReadBody(&chunk)) {
    berth::tasks::v1::CopyToRequest data;
    data.set_data(std::move(chunk));
    if (!writer->Write(data)) break;
  }
  // A client gone mid-body: cancelled, the service keeps nothing.
  if (request.http.BodyAborted()) context.TryCancel();
  writer->WritesDone();
  grpc::Status status = writer->Finish();
  if (!status.ok()) return ErrorResponse(status);
  return http::HttpResponse::Empty(200);
}

// A tar the service streams (export, save) as the answer's body. A
// failure before the first chunk is still an error status; after it, the
// body ends early.
http::HttpResponse TarDownload(std::unique_ptr<grpc::ClientContext> context,
                         std::unique_ptr<grpc::ClientReader<berth::types::v1::DataChunk>> reader,
                         int client_fd) {
  berth::types::v1::DataChunk first;
  if (!reader->Read(&first)) {
    grpc::Status status = reader->Finish();
    if (!status.ok()) return ErrorResponse(status);
  }
  http::HttpResponse response;
  response.content_type = "application/x-tar";
  response.stream = std::make_unique<ChunkStream<berth::types::v1::DataChunk>>(
      std::move(context), std::move(reader), first.data(),
      [](const berth::types::v1::DataChunk& m) { return m.data(); }, client_fd);
  return response;
}

http::HttpResponse Export(const Backends& backends, const ApiRequest& request) {
  berth::tasks::v1::ExportContainerRequest call;
  call.set_id(request.param(0));
  auto context = std::make_unique<grpc::ClientContext>();
  auto reader = backends.containers->Export(context.get(), call);
  return TarDownload(std::move(context), std::move(reader), request.http.connection_fd);
}

http::HttpResponse Save(const Backends& backends, const ApiRequest& request) {
  berth::images::v1::SaveRequest save;
  if (!request.params.empty()) {
    save.add_refs(request.param(0));
  } else {
    for (const auto& [key, value] : request.http.query) {
      if (key == "names") save.add_refs(value);
    }
  }
  if (save.refs_size() == 0) return http::HttpResponse::Error(400, "no images named to save");
  auto context = std::make_unique<grpc::ClientContext>();
  auto reader = backends.images->Save(context.get(), save);
  return TarDownload(std::move(context), std::move(reader), request.http.connection_fd);
}

http::HttpResponse Load(const Backends& backends, const ApiRequest& request) {
  if (request.http.body_truncated) return http::HttpResponse::Error(413, "request body too large");
  bool quiet = request.http.QueryBool("quiet");
  grpc::ClientContext context;
  auto stream = backends.images->Load(&context);
  berth::images::v1::LoadRequest header;
  header.mutable_header()->set_quiet(quiet);
  stream->Write(header);
  std::string chunk;
  while (request.http.ReadBody(&chunk)) {
    berth::images::v1::LoadRequest data;
    data.set_data(std::move(chunk));
    if (!stream->Write(data)) break;
  }
  // A client gone mid-body: cancelled, the service keeps nothing.
  if (request.http.BodyAborted()) context.TryCancel();
  stream->WritesDone();
  std::string out;
  berth::images::v1::LoadResponse message;
  while (stream->Read(&message)) {
    if (!message.loaded().empty()) out += Dump({{"stream", message.loaded() + "\n"}});
  }
  grpc::Status status = stream->Finish();
  if (!status.ok()) {
    if (out.empty()) return ErrorResponse(status);
    out += Dump({{"errorDetail", {{"message", status.error_message()}}}, {"error", status.error_message()}});
  }
  return http::HttpResponse::Json(200, out);
}

http::HttpResponse Commit(const Backends& backends, const ApiRequest& request) {
  const http::HttpRequest& http = request.http;
  http::HttpResponse error;
  if (!JsonBody(request, &error)) return error;
  berth::tasks::v1::CommitContainerRequest commit;
  commit.set_id(http.Query("container"));
  std::string ref = http.Query("repo");
  if (!ref.empty() && !http.Query("tag").empty()) ref += ":" + http.Query("tag");
  commit.set_ref(ref);
  commit.set_comment(http.Query("comment"));
  commit.set_author(http.Query("author"));
  commit.set_pause(!http.HasQuery("pause") || http.QueryBool("pause"));
  for (const auto& [key, value] : http.query) {
    if (key == "changes" && !value.empty()) commit.add_changes(value);
  }
  berth::tasks::v1::CommitContainerResponse response;
  auto context = UnaryContext();
  grpc::Status status = backends.containers->Commit(context.get(), commit, &response);
  if (!status.ok()) return ErrorResponse(status);
  return JsonResponse(201, {{"Id", response.image_id()}});
}

http::HttpResponse Push(const Backends& backends, const ApiRequest& request) {
  std::string ref = request.param(0);
  std::string tag = request.http.Query("tag");
  if (!tag.empty()) ref += ":" + tag;
  berth::images::v1::PushRequest push;
  push.set_ref(ref);
  ReadRegistryAuth(request.http, push.mutable_auth());
  auto context = std::make_unique<grpc::ClientContext>();
  auto reader = backends.images->Push(context.get(), push);
  auto lines = [](const berth::images::v1::PushResponse& message) {
    std::string out;
    if (message.has_progress()) {
      const auto& progress = message.progress();
      json line = {{"status", progress.status()}};
      if (!progress.id().empty()) line["id"] = progress.id();
      if (progress.total() > 0) {
        line["progressDetail"] = {{"current", progress.current()}, {"total", progress.total()}};
      }
      out += Dump(line);
    }
    for (const std::string& text : message.messages()) out += Dump({{"status", text}});
    return out;
  };
  berth::images::v1::PushResponse first;
  if (!reader->Read(&first)) {
    grpc::Status status = reader->Finish();
    if (!status.ok()) return ErrorResponse(status);
  }
  // Errors after the 200 go in-band, as dockerd's.
  class PushStream : public http::BodyStream {
   public:
    PushStream(std::unique_ptr<grpc::ClientContext> context,
               std::unique_ptr<grpc::ClientReader<berth::images::v1::PushResponse>> reader,
               std::string first, std::function<std::string(const berth::images::v1::PushResponse&)> lines)
        : context_(std::move(context)), reader_(std::move(reader)), pending_(std::move(first)),
          lines_(std::move(lines)) {}
    bool Next(std::string* chunk) override {
      if (!pending_.empty()) {
        chunk->swap(pending_);
        pending_.clear();
        return true;
      }
      if (finished_) return false;
      berth::images::v1::PushResponse message;
      if (reader_->Read(&message)) {
        *chunk = lines_(message);
        return true;
      }
      finished_ = true;
      grpc::Status status = reader_->Finish();
      if (status.ok()) return false;
      *chunk = Dump({{"errorDetail", {{"message", status.error_message()}}},
                     {"error", status.error_message()}});
      return true;
    }
    void Cancel() override { context_->TryCancel(); }

   private:
    std::unique_ptr<grpc::ClientContext> context_;
    std::unique_ptr<grpc::ClientReader<berth::images::v1::PushResponse>> reader_;
    std::string pending_;
    std::function<std::string(const berth::images::v1::PushResponse&)> lines_;
    bool finished_ = false;
  };
  http::HttpResponse response;
  response.stream = std::make_unique<PushStream>(std::move(context), std::move(reader), lines(first), lines);
  return response;
}

}  // namespace

void AddTransferRoutes(Router& router, const Backends& backends) {
  router.Add("HEAD", "/containers/{id}/archive",
             [&backends](const ApiRequest& r) { return ArchiveGet(backends, r, true); });
  router.Add("GET", "/containers/{id}/archive",
             [&backends](const ApiRequest& r) { return ArchiveGet(backends, r, false); });
  router.Add("PUT", "/containers/{id}/archive", Bind(backends, ArchivePut));
  router.Add("GET", "/containers/{id}/export", Bind(backends, Export));
  router.Add("POST", "/commit", Bind(backends, Commit));
  router.Add("GET", "/images/get", Bind(backends, Save));
  router.Add("GET", "/images/{name*}/get", Bind(backends, Save));
  router.Add("POST", "/images/load", Bind(backends, Load));
  router.Add("POST", "/images/{name*}/push", Bind(backends, Push));
}

}  // namespace berth::docker
