// /events, /containers/{id}/stats, /system/df and /auth.

#include <algorithm>
#include <condition_variable>
#include <deque>
#include <mutex>
#include <thread>

#include "absl/strings/numbers.h"
#include "absl/strings/str_cat.h"
#include "absl/strings/str_split.h"
#include "absl/time/clock.h"
#include "cli/commands/container_format.h"
#include "cli/commands/image_json.h"
#include "cli/commands/object_json.h"
#include "services/docker/routes.h"
#include "services/docker/streams.h"

namespace berth::docker {
namespace {

using nlohmann::json;

// docker's JSON for an event of an object with no legacy fields (volume,
// network: dockerd fills status/id/from for containers and images only).
json ActorEventJson(const char* type, const berth::types::v1::Envelope& envelope,
                    const std::string& id, const std::string& action,
                    const google::protobuf::Map<std::string, std::string>& attributes) {
  json attribute_json = json::object();
  for (const auto& [key, value] : attributes) attribute_json[key] = value;
  const auto& time = envelope.timestamp();
  return {{"Type", type},
          {"Action", action},
          {"Actor", {{"ID", id}, {"Attributes", attribute_json}}},
          {"scope", "local"},
          {"time", time.seconds()},
          {"timeNano", time.seconds() * 1000000000 + time.nanos()}};
}

// Every service's events (containers, images, volumes, networks: each
// published by the service that owns the object), one JSON line each, as
// they come; the stream stays open until --until or the client leaves.
class EventStream : public http::BodyStream {
 public:
  EventStream(const Backends& backends, const berth::tasks::v1::SubscribeRequest& request,
              int client_fd) {
    // The same filters, since and until for every service.
    berth::images::v1::SubscribeRequest image_request;
    berth::snapshots::v1::SubscribeVolumesRequest volume_request;
    berth::network::v1::SubscribeRequest network_request;
    for (const auto& [key, values] : request.filters()) {
      *(*image_request.mutable_filters())[key].mutable_values() = values.values();
      *(*volume_request.mutable_filters())[key].mutable_values() = values.values();
      *(*network_request.mutable_filters())[key].mutable_values() = values.values();
    }
    if (request.has_since()) {
      *image_request.mutable_since() = request.since();
      *volume_request.mutable_since() = request.since();
      *network_request.mutable_since() = request.since();
    }
    if (request.has_until()) {
      *image_request.mutable_until() = request.until();
      *volume_request.mutable_until() = request.until();
      *network_request.mutable_until() = request.until();
    }
    // A window wholly past is all replay: given in time order, as dockerd,
    // rather than service by service.
    replay_only_ = request.has_until() && request.until().seconds() < absl::ToUnixSeconds(absl::Now());
    for (Source& source : sources_) {
      if (request.has_until()) {
        absl::Time until = absl::FromUnixSeconds(request.until().seconds());
        absl::Time deadline = std::max(until, absl::Now()) + absl::Seconds(1);
        source.context.set_deadline(absl::ToChronoTime(deadline));
      }
      source.watch = std::make_unique<ClientWatch>(client_fd, &source.context);
    }
    auto read = [this](auto reader) {
      berth::types::v1::Envelope envelope;
      while (reader->Read(&envelope)) Push(envelope);
      reader->Finish().IgnoreError();
      std::lock_guard<std::mutex> lock(mu_);
      --running_;
      ready_.notify_all();
    };
    threads_.emplace_back([this, read, &backends, request] {
      read(backends.tasks->Subscribe(&sources_[0].context, request));
    });
    threads_.emplace_back([this, read, &backends, image_request] {
      read(backends.images->Subscribe(&sources_[1].context, image_request));
    });
    threads_.emplace_back([this, read, &backends, volume_request] {
      read(backends.volumes->Subscribe(&sources_[2].context, volume_request));
    });
    threads_.emplace_back([this, read, &backends, network_request] {
      read(backends.networks->Subscribe(&sources_[3].context, network_request));
    });
  }

  ~EventStream() override {
    Cancel();
    for (std::thread& thread : threads_) thread.join();
  }

  bool Next(std::string* chunk) override {
    std::unique_lock<std::mutex> lock(mu_);
    ready_.wait(lock, [this] { return (!lines_.empty() && !replay_only_) || running_ == 0; });
    if (lines_.empty()) return false;
    if (replay_only_ && !sorted_) {
      std::stable_sort(lines_.begin(), lines_.end(),
                       [](const auto& a, const auto& b) { return a.first < b.first; });
      sorted_ = true;
    }
    *chunk = std::move(lines_.front().second);
    lines_.pop_front();
    return true;
  }

  void Cancel() override {
    for (Source& source : sources_) source.context.TryCancel();
  }

 private:
  static constexpr int kSources = 4;
  struct Source {
    grpc::ClientContext context;
    std::unique_ptr<ClientWatch> watch;
  };

  static std::string Line(const berth::types::v1::Envelope& envelope) {
    const google::protobuf::Any& any = envelope.event();
    if (berth::tasks::v1::ContainerEvent container; any.UnpackTo(&container)) {
      return berth::cli::EventJson(envelope.timestamp(), container).dump() + "\n";
    }
    if (berth::images::v1::ImageEvent image; any.UnpackTo(&image)) {
      return berth::cli::ImageEventJson(envelope.timestamp(), image).dump() + "\n";
    }
    if (berth::snapshots::v1::VolumeEvent volume; any.UnpackTo(&volume)) {
      return ActorEventJson("volume", envelope, volume.id(), volume.action(), volume.attributes())
                 .dump() + "\n";
    }
    if (berth::network::v1::NetworkEvent network; any.UnpackTo(&network)) {
      return ActorEventJson("network", envelope, network.id(), network.action(),
                            network.attributes())
                 .dump() + "\n";
    }
    return "";
  }

  void Push(const berth::types::v1::Envelope& envelope) {
    std::string line = Line(envelope);
    if (line.empty()) return;
    int64_t nanos = envelope.timestamp().seconds() * 1000000000 + envelope.timestamp().nanos();
    std::lock_guard<std::mutex> lock(mu_);
    lines_.emplace_back(nanos, std::move(line));
    ready_.notify_all();
  }

  Source sources_[kSources];
  std::mutex mu_;
  std::condition_variable ready_;
  // (time, JSON line) in arrival order.
  std::deque<std::pair<int64_t, std::string>> lines_;
  int running_ = kSources;
  bool replay_only_ = false;
  bool sorted_ = false;
  std::vector<std::thread> threads_;
};

http::HttpResponse Events(const Backends& backends, const ApiRequest& request) {
  http::HttpResponse error;
  auto filters = ParseFilters(request, &error);
  if (!filters) return error;
  berth::tasks::v1::SubscribeRequest subscribe;
  for (const auto& [key, values] : *filters) {
    for (const std::string& value : values) (*subscribe.mutable_filters())[key].add_values(value);
  }
  for (auto [name, field] : {std::pair{"since", subscribe.mutable_since()},
                             std::pair{"until", subscribe.mutable_until()}}) {
    std::string text = request.http.Query(name);
    if (text.empty()) continue;
    if (!ParseApiTime(text, field)) {
      return http::HttpResponse::Error(400, absl::StrCat("invalid value for ", name, ": ", text));
    }
  }
  if (request.http.Query("since").empty()) subscribe.clear_since();
  if (request.http.Query("until").empty()) subscribe.clear_until();
  http::HttpResponse response;
  response.stream = std::make_unique<EventStream>(backends, subscribe, request.http.connection_fd);
  return response;
}

json CpuJson(const berth::tasks::v1::ContainerStats* stats) {
  if (stats == nullptr) {
    return {{"cpu_usage", {{"total_usage", 0}, {"usage_in_kernelmode", 0}, {"usage_in_usermode", 0}}},
            {"throttling_data", {{"periods", 0}, {"throttled_periods", 0}, {"throttled_time", 0}}}};
  }
  return {{"cpu_usage",
           {{"total_usage", stats->cpu_usage_ns()},
            {"usage_in_kernelmode", stats->cpu_system_ns()},
            {"usage_in_usermode", stats->cpu_user_ns()}}},
          {"system_cpu_usage", stats->system_cpu_usage_ns()},
          {"online_cpus", stats->online_cpus()},
          {"throttling_data",
           {{"periods", stats->cpu_periods()},
            {"throttled_periods", stats->cpu_throttled_periods()},
            {"throttled_time", stats->cpu_throttled_time_ns()}}}};
}

// docker's StatsJSON: what `docker stats` and cAdvisor-style tools read.
json StatsJson(const berth::tasks::v1::ContainerStats& stats,
               const berth::tasks::v1::ContainerStats* previous) {
  google::protobuf::Timestamp zero;
  return {{"read", berth::cli::Rfc3339Nano(stats.read())},
          {"preread", berth::cli::Rfc3339Nano(previous == nullptr ? zero : previous->read())},
          {"pids_stats", {{"current", stats.pids_current()}, {"limit", stats.pids_limit()}}},
          {"blkio_stats",
           {{"io_service_bytes_recursive",
             json::array({{{"major", 0}, {"minor", 0}, {"op", "read"}, {"value", stats.blkio_read_bytes()}},
                          {{"major", 0}, {"minor", 0}, {"op", "write"}, {"value", stats.blkio_write_bytes()}}})}}},
          {"num_procs", 0},
          {"storage_stats", json::object()},
          {"cpu_stats", CpuJson(&stats)},
          {"precpu_stats", CpuJson(previous)},
          {"memory_stats",
           {{"usage", stats.memory_usage_bytes()},
            {"limit", stats.memory_limit_bytes()},
            {"failcnt", stats.memory_failcnt()},
            {"stats",
             {{"cache", stats.memory_cache_bytes()},
              {"rss", stats.memory_rss_bytes()},
              {"total_inactive_file", 0},
              {"inactive_file", 0}}}}},
          {"name", "/" + stats.name()},
          {"id", stats.id()},
          {"networks",
           {{"eth0",
             {{"rx_bytes", stats.net_rx_bytes()}, {"rx_packets", 0}, {"rx_errors", 0},
              {"rx_dropped", 0}, {"tx_bytes", stats.net_tx_bytes()}, {"tx_packets", 0},
              {"tx_errors", 0}, {"tx_dropped", 0}}}}}};
}

class StatsStream : public http::BodyStream {
 public:
  StatsStream(const Backends& backends, const std::string& id, bool stream, bool one_shot,
              int client_fd)
      : stream_(stream), one_shot_(one_shot), watch_(client_fd, &context_) {
    berth::tasks::v1::StatsRequest request;
    request.add_ids(id);
    request.set_stream(stream || !one_shot);
    reader_ = backends.tasks->Stats(&context_, request);
  }

  bool Next(std::string* chunk) override {
    if (done_) return false;
    berth::tasks::v1::StatsResponse response;
    while (reader_->Read(&response)) {
      if (response.stats_size() == 0) continue;
      berth::tasks::v1::ContainerStats current = response.stats(0);
      // One answer without stream: dockerd waits for a second sample so
      // that precpu is filled (one-shot skips it).
      if (!stream_ && !one_shot_ && !previous_) {
        previous_ = current;
        continue;
      }
      *chunk = StatsJson(current, previous_ ? &*previous_ : nullptr).dump() + "\n";
      previous_ = current;
      if (!stream_) {
        done_ = true;
        context_.TryCancel();
      }
      return true;
    }
    done_ = true;
    reader_->Finish().IgnoreError();
    return false;
  }

  void Cancel() override { context_.TryCancel(); }

 private:
  bool stream_;
  bool one_shot_;
  bool done_ = false;
  grpc::ClientContext context_;
  ClientWatch watch_;
  std::unique_ptr<grpc::ClientReader<berth::tasks::v1::StatsResponse>> reader_;
  std::optional<berth::tasks::v1::ContainerStats> previous_;
};

http::HttpResponse Stats(const Backends& backends, const ApiRequest& request) {
  berth::tasks::v1::Container container;
  if (grpc::Status status = GetContainer(backends, request.param(0), &container); !status.ok()) {
    return ErrorResponse(status);
  }
  bool stream = !request.http.HasQuery("stream") || request.http.QueryBool("stream");
  http::HttpResponse response;
  auto state = container.state().status();
  if (state != berth::tasks::v1::RUNNING && state != berth::tasks::v1::PAUSED) {
    // dockerd: a stopped container's stats are zeros with its name.
    berth::tasks::v1::ContainerStats empty;
    empty.set_id(container.id());
    empty.set_name(berth::cli::ContainerName(container));
    return JsonResponse(200, StatsJson(empty, nullptr));
  }
  response.stream = std::make_unique<StatsStream>(backends, container.id(), stream,
                                                  request.http.QueryBool("one-shot"),
                                                  request.http.connection_fd);
  return response;
}

http::HttpResponse DiskUsage(const Backends& backends, const ApiRequest&) {
  berth::images::v1::ListImagesResponse images;
  berth::tasks::v1::ListContainersResponse containers;
  berth::snapshots::v1::ListVolumesResponse volumes;
  berth::tasks::v1::ListContainersRequest all;
  all.set_all(true);
  berth::snapshots::v1::ListVolumesRequest sized;
  sized.set_include_size(true);
  for (grpc::Status status :
       {backends.images->List(UnaryContext().get(), {}, &images),
        backends.containers->List(UnaryContext().get(), all, &containers),
        backends.volumes->List(UnaryContext().get(), sized, &volumes)}) {
    if (!status.ok()) return ErrorResponse(status);
  }
  std::map<std::string, int> users;
  for (const auto& container : containers.containers()) users[container.image_id()]++;
  int64_t layers = 0;
  json image_rows = json::array();
  for (const auto& image : images.images()) {
    layers += image.size();
    image_rows.push_back({{"Id", image.id()},
                          {"ParentId", image.parent()},
                          {"RepoTags", std::vector<std::string>(image.repo_tags().begin(), image.repo_tags().end())},
                          {"RepoDigests", std::vector<std::string>(image.repo_digests().begin(), image.repo_digests().end())},
                          {"Created", image.created().seconds()},
                          {"Size", image.size()},
                          {"SharedSize", image.shared_size()},
                          {"Labels", json::object()},
                          {"Containers", users[image.id()]}});
  }
  json container_rows = json::array();
  for (const auto& container : containers.containers()) {
    container_rows.push_back({{"Id", container.id()},
                              {"Names", json::array({"/" + berth::cli::ContainerName(container)})},
                              {"Image", container.spec().image()},
                              {"ImageID", container.image_id()},
                              {"Created", container.created_at().seconds()},
                              {"State", berth::cli::StateName(container.state().status())},
                              {"Status", berth::cli::StatusText(container.state(), std::time(nullptr))},
                              {"SizeRw", 0},
                              {"SizeRootFs", 0}});
  }
  json volume_rows = json::array();
  for (const auto& volume : volumes.volumes()) {
    json row = berth::cli::VolumeJson(volume);
    row["UsageData"] = {{"Size", volume.size()}, {"RefCount", volume.used_by_size()}};
    volume_rows.push_back(row);
  }
  return JsonResponse(200, {{"LayersSize", layers},
                            {"Images", image_rows},
                            {"Containers", container_rows},
                            {"Volumes", volume_rows},
                            {"BuildCache", json::array()}});
}

http::HttpResponse Auth(const Backends& backends, const ApiRequest& request) {
  http::HttpResponse error;
  auto body = JsonBody(request, &error);
  if (!body) return error;
  berth::images::v1::LoginRequest login;
  RegistryAuthFromJson(*body, login.mutable_auth());
  berth::images::v1::LoginResponse response;
  auto context = UnaryContext();
  grpc::Status status = backends.images->Login(context.get(), login, &response);
  if (!status.ok()) {
    // dockerd: a refused login is 401 with the registry's reason.
    if (status.error_code() == grpc::StatusCode::UNAUTHENTICATED ||
        status.error_code() == grpc::StatusCode::PERMISSION_DENIED) {
      return http::HttpResponse::Error(401, status.error_message());
    }
    return ErrorResponse(status);
  }
  return JsonResponse(200, {{"Status", response.status().empty() ? "Login Succeeded" : response.status()},
                            {"IdentityToken", response.identity_token()}});
}

}  // namespace

void AddSystemStreamRoutes(Router& router, const Backends& backends) {
  router.Add("GET", "/events", Bind(backends, Events));
  router.Add("GET", "/containers/{id}/stats", Bind(backends, Stats));
  router.Add("GET", "/system/df", Bind(backends, DiskUsage));
  router.Add("POST", "/auth", Bind(backends, Auth));
}

}  // namespace berth::docker
