// berth events: container events from Tasks.Subscribe, as docker prints them.

#include <chrono>
#include <cstdio>
#include <memory>
#include <string>
#include <vector>

#include "absl/time/clock.h"
#include "cli/commands/container_commands.h"
#include "cli/commands/container_common.h"
#include "cli/commands/container_format.h"
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
  object["ID"] = event["id"];
  object["Status"] = event["status"];
  object["From"] = event["from"];
  object["Scope"] = event["scope"];
  object["Time"] = event["time"];
  object["TimeNano"] = event["timeNano"];
  return object;
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
  auto stub = TasksStub(cli);
  if (!stub) return cli.exit_code;
  auto context = Cli::CallContext(/*stream=*/true);
  bool has_until = !flags.until.empty();
  if (has_until) {
    // The stream ends at --until: the service ends it, or this deadline
    // does (a moment later, for events stamped right at --until). A past
    // --until replays history, which the service ends.
    absl::Time until = absl::FromUnixSeconds(request.until().seconds()) + absl::Nanoseconds(request.until().nanos());
    absl::Time deadline = until > now ? until + absl::Milliseconds(200) : now + absl::Seconds(5);
    context->set_deadline(absl::ToChronoTime(deadline));
  }
  auto reader = stub->Subscribe(context.get(), request);
  berth::types::v1::Envelope envelope;
  bool stopped = false;
  while (reader->Read(&envelope)) {
    berth::tasks::v1::ContainerEvent event;
    if (!envelope.event().UnpackTo(&event)) continue;
    if (has_until && After(envelope.timestamp(), request.until())) {
      stopped = true;
      break;
    }
    if (flags.format.empty()) {
      std::printf("%s\n", EventLine(envelope.timestamp(), event).c_str());
    } else if (flags.format == "json") {
      std::printf("%s\n", EventJson(envelope.timestamp(), event).dump().c_str());
    } else if (!PrintFormatted(flags.format, TemplateObject(EventJson(envelope.timestamp(), event)))) {
      context->TryCancel();
      reader->Finish();
      return kExitUsage;
    }
    std::fflush(stdout);
  }
  if (stopped) context->TryCancel();
  grpc::Status status = reader->Finish();
  bool ended = status.ok() || stopped ||
               (has_until && status.error_code() == grpc::StatusCode::DEADLINE_EXCEEDED);
  if (!ended) return ReportCallError(status, cli.connection.host, cli.Channel().get());
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
