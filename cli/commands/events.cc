// berth events: container events (Tasks.Subscribe) and image events
// (Images.Subscribe), merged in time order, as docker prints them.

#include <atomic>
#include <chrono>
#include <cstdio>
#include <functional>
#include <map>
#include <memory>
#include <string>
#include <thread>
#include <utility>
#include <vector>

#include "absl/strings/str_cat.h"
#include "absl/strings/str_join.h"
#include "absl/synchronization/mutex.h"
#include "absl/time/clock.h"
#include "berth/images/v1/images.grpc.pb.h"
#include "cli/commands/container_commands.h"
#include "cli/commands/container_common.h"
#include "cli/commands/container_format.h"
#include "cli/commands/image_json.h"
#include "cli/commands/container_parse.h"
#include "cli/output.h"

namespace berth::cli {
namespace {

struct EventsFlags {
  std::string since, until, format;
  std::vector<std::string> filters;
};

bool After(const google::protobuf::Timestamp& a, const google::protobuf::Timestamp& b) {
  return a.seconds() > b.seconds() || (a.seconds() == b.seconds() && a.nanos() > b.nanos());
}

// What --format templates see: docker's JSON plus the Go field names
// (.ID, .Status, .From, .Time...) templates use.
nlohmann::json TemplateObject(const nlohmann::json& event) {
  nlohmann::json object = event;
  // An image event has no "from".
  for (const auto& [go, json] : {std::pair{"ID", "id"}, {"Status", "status"}, {"From", "from"},
                                 {"Scope", "scope"}, {"Time", "time"}, {"TimeNano", "timeNano"}}) {
    object[go] = event.contains(json) ? event[json] : nlohmann::json("");
  }
  return object;
}

// docker's line for an image event.
std::string ImageEventLine(const google::protobuf::Timestamp& time,
                           const berth::images::v1::ImageEvent& event) {
  std::string line = absl::StrCat(Rfc3339NanoFixed(time), " image ", event.action(), " ", event.id());
  std::vector<std::string> attributes;
  for (const auto& [key, value] : std::map<std::string, std::string>(event.attributes().begin(), event.attributes().end())) attributes.push_back(key + "=" + value);
  if (!attributes.empty()) absl::StrAppend(&line, " (", absl::StrJoin(attributes, ", "), ")");
  return line;
}

// The events of the tasks and images services, printed in time order: an
// event waits a moment for an earlier one from the other stream (a --since
// replay arrives from both at once).
class EventMerger {
 public:
  explicit EventMerger(const EventsFlags& flags) : flags_(flags) {}

  void Add(const berth::types::v1::Envelope& envelope) {
    absl::MutexLock lock(&mu_);
    int64_t at = envelope.timestamp().seconds() * 1000000000 + envelope.timestamp().nanos();
    pending_.emplace(std::make_pair(at, sequence_++), Pending{envelope, absl::Now()});
  }

  // Prints what has waited long enough (everything when flush); false
  // once a --format template failed.
  bool Print(bool flush) {
    absl::MutexLock lock(&mu_);
    absl::Time ripe = absl::Now() - kReorderWindow;
    while (!pending_.empty()) {
      auto first = pending_.begin();
      bool waited = first->second.arrived <= ripe;
      // A later event that has waited means the first has too.
      for (const auto& [key, item] : pending_) waited |= item.arrived <= ripe;
      if (!flush && !waited) break;
      bool ok = PrintOne(first->second.envelope);
      pending_.erase(first);
      if (!ok) return false;
    }
    std::fflush(stdout);
    return true;
  }

 private:
  static constexpr absl::Duration kReorderWindow = absl::Milliseconds(100);
  struct Pending {
    berth::types::v1::Envelope envelope;
    absl::Time arrived;
  };

  bool PrintOne(const berth::types::v1::Envelope& envelope) {
    std::string line;
    nlohmann::json json;
    berth::tasks::v1::ContainerEvent container;
    berth::images::v1::ImageEvent image;
    if (envelope.event().Is<berth::tasks::v1::ContainerEvent>() && envelope.event().UnpackTo(&container)) {
      line = EventLine(envelope.timestamp(), container);
      json = EventJson(envelope.timestamp(), container);
    } else if (envelope.event().Is<berth::images::v1::ImageEvent>() && envelope.event().UnpackTo(&image)) {
      line = ImageEventLine(envelope.timestamp(), image);
      json = ImageEventJson(envelope.timestamp(), image);
    } else {
      return true;
    }
    if (flags_.format.empty()) {
      std::printf("%s\n", line.c_str());
    } else if (flags_.format == "json") {
      std::printf("%s\n", json.dump().c_str());
    } else if (!PrintFormatted(flags_.format, TemplateObject(json))) {
      return false;
    }
    return true;
  }

  const EventsFlags& flags_;
  absl::Mutex mu_;
  std::map<std::pair<int64_t, uint64_t>, Pending> pending_ ABSL_GUARDED_BY(mu_);
  uint64_t sequence_ ABSL_GUARDED_BY(mu_) = 0;
};

// One service's Subscribe stream, read on its own thread into the merger.
struct EventStream {
  std::unique_ptr<grpc::ClientContext> context;
  grpc::Status status;
  bool stopped = false;  // an event past --until ended it
  std::atomic<bool> done{false};  // status and stopped are set
};

template <typename Stub, typename Request>
void ReadEvents(Stub* stub, const Request& request, const google::protobuf::Timestamp* until,
                EventStream* stream, EventMerger* merger, std::atomic<int>* running) {
  auto reader = stub->Subscribe(stream->context.get(), request);
  berth::types::v1::Envelope envelope;
  while (reader->Read(&envelope)) {
    if (until != nullptr && After(envelope.timestamp(), *until)) {
      stream->stopped = true;
      stream->context->TryCancel();
      break;
    }
    merger->Add(envelope);
  }
  stream->status = reader->Finish();
  stream->done = true;
  --*running;
}

int Events(Cli& cli, const EventsFlags& flags) {
  const std::string command = "berth events";
  berth::tasks::v1::SubscribeRequest request;
  if (!AddFilters(command, flags.filters, request.mutable_filters())) return kExitUsage;
  absl::Time now = absl::Now();
  for (const auto& [text, field] : {std::make_pair(flags.since, request.mutable_since()),
                                    std::make_pair(flags.until, request.mutable_until())}) {
    if (text.empty()) continue;
    auto time = ParseTimeArg(text, now);
    if (!time.ok()) {
      std::fprintf(stderr, "%s\n", std::string(time.status().message()).c_str());
      return kExitDaemonError;
    }
    *field = *time;
  }
  if (flags.since.empty()) request.clear_since();
  if (flags.until.empty()) request.clear_until();
  std::shared_ptr<grpc::Channel> channel = cli.Channel();
  if (!channel) return cli.exit_code;
  auto tasks = berth::tasks::v1::Tasks::NewStub(channel);
  auto images = berth::images::v1::Images::NewStub(channel);
  berth::images::v1::SubscribeRequest image_request;
  for (const auto& [key, values] : request.filters()) {
    *(*image_request.mutable_filters())[key].mutable_values() = values.values();
  }
  if (request.has_since()) *image_request.mutable_since() = request.since();
  if (request.has_until()) *image_request.mutable_until() = request.until();

  bool has_until = !flags.until.empty();
  EventStream streams[2];
  for (EventStream& stream : streams) {
    stream.context = Cli::CallContext(/*stream=*/true);
    if (has_until) {
      // The stream ends at --until: the service ends it, or this deadline
      // does (a moment later, for events stamped right at --until). A past
      // --until replays history, which the service ends.
      absl::Time until = absl::FromUnixSeconds(request.until().seconds()) + absl::Nanoseconds(request.until().nanos());
      absl::Time deadline = until > now ? until + absl::Milliseconds(200) : now + absl::Seconds(5);
      stream.context->set_deadline(absl::ToChronoTime(deadline));
    }
  }
  EventMerger merger(flags);
  std::atomic<int> running{2};
  const google::protobuf::Timestamp* until = has_until ? &request.until() : nullptr;
  std::thread container_events(ReadEvents<berth::tasks::v1::Tasks::Stub, berth::tasks::v1::SubscribeRequest>,
                               tasks.get(), std::cref(request), until, &streams[0], &merger, &running);
  std::thread image_events(ReadEvents<berth::images::v1::Images::Stub, berth::images::v1::SubscribeRequest>,
                           images.get(), std::cref(image_request), until, &streams[1], &merger, &running);
  auto ended = [has_until](const EventStream& stream) {
    return stream.status.ok() || stream.stopped ||
           (has_until && stream.status.error_code() == grpc::StatusCode::DEADLINE_EXCEEDED);
  };
  bool format_failed = false;
  bool failed = false;
  while (running > 0 && !failed) {
    absl::SleepFor(absl::Milliseconds(20));
    if (!merger.Print(/*flush=*/false)) {
      format_failed = true;
      break;
    }
    // A stream that failed (not ended by --until) ends the other too.
    for (const EventStream& stream : streams) failed |= stream.done && !ended(stream);
  }
  if (format_failed || failed) {
    for (EventStream& stream : streams) stream.context->TryCancel();
  }
  container_events.join();
  image_events.join();
  if (format_failed) return kExitUsage;
  if (!merger.Print(/*flush=*/true)) return kExitUsage;
  for (const EventStream& stream : streams) {
    // The other stream of a failed one was cancelled by us: report the cause.
    if (!ended(stream) && stream.status.error_code() != grpc::StatusCode::CANCELLED) {
      return ReportCallError(stream.status, cli.connection.host, channel.get());
    }
  }
  for (const EventStream& stream : streams) {
    if (!ended(stream)) return ReportCallError(stream.status, cli.connection.host, channel.get());
  }
  return 0;
}

}  // namespace

void AddEventsCommand(CLI::App* parent, Cli& cli) {
  auto flags = std::make_shared<EventsFlags>();
  CLI::App* events = parent->add_subcommand("events", "Get real time events from the server");
  events->add_option("--since", flags->since, "Show all events created since timestamp");
  events->add_option("--until", flags->until, "Stream events until this timestamp");
  events->add_option("-f,--filter", flags->filters, "Filter output based on conditions provided")
      ->allow_extra_args(false);
  events->add_option("--format", flags->format, "Format output using a custom template or 'json'");
  events->callback([&cli, flags] { cli.exit_code = Events(cli, *flags); });
}

}  // namespace berth::cli
