#include "cli/commands/container_format.h"

#include <cstdio>
#include <set>

#include "absl/strings/match.h"
#include "absl/strings/str_cat.h"
#include "absl/strings/str_format.h"
#include "absl/strings/str_join.h"
#include "absl/strings/str_split.h"
#include "absl/strings/strip.h"
#include "absl/time/time.h"
#include "cli/commands/container_json.h"
#include "cli/output.h"

namespace berth::cli {
namespace {

using berth::tasks::v1::Container;
using berth::tasks::v1::State;
using berth::tasks::v1::Status;

// Go's zero time.Time, 0001-01-01T00:00:00Z.
constexpr int64_t kGoZeroSeconds = -62135596800;

absl::Time ToTime(const google::protobuf::Timestamp& time) {
  return absl::FromUnixSeconds(time.seconds()) + absl::Nanoseconds(time.nanos());
}

int64_t Since(const google::protobuf::Timestamp& time, int64_t now_seconds) {
  return now_seconds - time.seconds();
}

// Number of UTF-8 characters.
size_t CharCount(const std::string& text) {
  size_t count = 0;
  for (unsigned char c : text) count += (c & 0xC0) != 0x80;
  return count;
}

bool IsRunning(Status status) {
  return status == berth::tasks::v1::RUNNING || status == berth::tasks::v1::PAUSED ||
         status == berth::tasks::v1::RESTARTING;
}

}  // namespace

std::string StateName(Status status) {
  switch (status) {
    case berth::tasks::v1::RUNNING:
      return "running";
    case berth::tasks::v1::PAUSED:
      return "paused";
    case berth::tasks::v1::RESTARTING:
      return "restarting";
    case berth::tasks::v1::REMOVING:
      return "removing";
    case berth::tasks::v1::EXITED:
      return "exited";
    case berth::tasks::v1::DEAD:
      return "dead";
    default:
      return "created";
  }
}

bool IsZeroTime(const google::protobuf::Timestamp& time) {
  return (time.seconds() == 0 && time.nanos() == 0) || time.seconds() <= kGoZeroSeconds;
}

std::string Rfc3339Nano(const google::protobuf::Timestamp& time) {
  if (IsZeroTime(time)) return "0001-01-01T00:00:00Z";
  return absl::FormatTime("%Y-%m-%dT%H:%M:%E*SZ", ToTime(time), absl::UTCTimeZone());
}

std::string Rfc3339NanoFixed(const google::protobuf::Timestamp& time) {
  return absl::FormatTime("%Y-%m-%dT%H:%M:%E9SZ", ToTime(time), absl::UTCTimeZone());
}

std::string StatusText(const State& state, int64_t now_seconds) {
  switch (state.status()) {
    case berth::tasks::v1::RUNNING: {
      std::string text = "Up " + HumanDuration(Since(state.started_at(), now_seconds));
      if (state.health() == "starting") return text + " (health: starting)";
      if (!state.health().empty() && state.health() != "none") return text + " (" + state.health() + ")";
      return text;
    }
    case berth::tasks::v1::PAUSED:
      return "Up " + HumanDuration(Since(state.started_at(), now_seconds)) + " (Paused)";
    case berth::tasks::v1::RESTARTING:
      return absl::StrCat("Restarting (", state.exit_code(), ") ",
                          HumanDuration(Since(state.finished_at(), now_seconds)), " ago");
    case berth::tasks::v1::REMOVING:
      return "Removal In Progress";
    case berth::tasks::v1::DEAD:
      return "Dead";
    case berth::tasks::v1::EXITED:
      if (IsZeroTime(state.started_at())) return "Created";
      if (IsZeroTime(state.finished_at())) return "";
      return absl::StrCat("Exited (", state.exit_code(), ") ",
                          HumanDuration(Since(state.finished_at(), now_seconds)), " ago");
    default:
      return "Created";
  }
}

std::string Ellipsis(const std::string& text, size_t width) {
  if (width == 0) return "";
  if (CharCount(text) <= width) return text;
  std::string out;
  size_t count = 0;
  for (size_t i = 0; i < text.size(); ++i) {
    unsigned char c = static_cast<unsigned char>(text[i]);
    if ((c & 0xC0) != 0x80) {
      if (count == width - 1) break;
      ++count;
    }
    out += text[i];
  }
  return out + "…";
}

std::string ShortContainerId(const std::string& id) { return id.substr(0, 12); }

std::string ContainerName(const Container& container) {
  return absl::StartsWith(container.name(), "/") ? container.name().substr(1) : container.name();
}

std::string CommandText(const Container& container, bool no_trunc) {
  ResolvedConfig config = ResolveConfig(container);
  std::vector<std::string> words = config.entrypoint;
  words.insert(words.end(), config.cmd.begin(), config.cmd.end());
  std::string command = absl::StrJoin(words, " ");
  return GoQuote(no_trunc ? command : Ellipsis(command, 20));
}

std::string PortsText(const Container& container) {
  if (!IsRunning(container.state().status())) return "";
  std::vector<std::string> items;
  std::set<std::string> bound;
  // The allocated ports while it runs (host ports filled in), else as asked.
  const auto& bindings = container.network_settings().ports_size() > 0
                             ? container.network_settings().ports()
                             : container.spec().port_bindings();
  for (const auto& binding : bindings) {
    std::string port = absl::StrCat(binding.container_port(), "/",
                                     binding.protocol().empty() ? "tcp" : binding.protocol());
    bound.insert(port);
    if (binding.host_port() == 0) {
      items.push_back(port);
      continue;
    }
    std::string ip = binding.host_ip().empty() ? "0.0.0.0" : binding.host_ip();
    if (ip.find(':') != std::string::npos) ip = "[" + ip + "]";
    items.push_back(absl::StrCat(ip, ":", binding.host_port(), "->", port));
  }
  for (const std::string& port : ResolveConfig(container).exposed_ports) {
    if (bound.insert(port).second) items.push_back(port);
  }
  return absl::StrJoin(items, ", ");
}

nlohmann::json PsRowJson(const Container& container, int64_t now_seconds, bool no_trunc,
                         const std::string& size) {
  ResolvedConfig config = ResolveConfig(container);
  std::vector<std::string> labels, mounts;
  for (const auto& [key, value] : config.labels) labels.push_back(key + "=" + value);
  int volumes = 0;
  for (const auto& mount : container.spec().mounts()) {
    if (mount.type() == "volume") ++volumes;
    std::string source = mount.source().empty() ? mount.resolved_source() : mount.source();
    if (!source.empty()) mounts.push_back(no_trunc ? source : Ellipsis(source, 15));
  }
  std::string image = container.spec().image();
  if (image.empty()) image = ShortContainerId(std::string(absl::StripPrefix(container.image_id(), "sha256:")));
  std::string network = container.spec().network_mode();
  return {{"Command", CommandText(container, no_trunc)},
          {"CreatedAt", absl::FormatTime("%Y-%m-%d %H:%M:%S %z %Z", absl::FromUnixSeconds(container.created_at().seconds()),
                                         absl::UTCTimeZone())},
          {"ID", no_trunc ? container.id() : ShortContainerId(container.id())},
          {"Image", image},
          {"Labels", absl::StrJoin(labels, ",")},
          {"LocalVolumes", std::to_string(volumes)},
          {"Mounts", absl::StrJoin(mounts, ",")},
          {"Names", ContainerName(container)},
          {"Networks", network.empty() || network == "default" ? "bridge" : network},
          {"Ports", PortsText(container)},
          {"RunningFor", HumanDuration(now_seconds - container.created_at().seconds()) + " ago"},
          {"Size", size},
          {"State", StateName(container.state().status())},
          {"Status", StatusText(container.state(), now_seconds)}};
}

double CpuPercent(const berth::tasks::v1::ContainerStats* previous,
                  const berth::tasks::v1::ContainerStats& current) {
  if (previous == nullptr) return 0;
  double cpu_delta = static_cast<double>(current.cpu_usage_ns()) - static_cast<double>(previous->cpu_usage_ns());
  double system_delta = static_cast<double>(current.system_cpu_usage_ns()) -
                        static_cast<double>(previous->system_cpu_usage_ns());
  double cpus = current.online_cpus() > 0 ? current.online_cpus() : 1;
  if (system_delta <= 0 || cpu_delta <= 0) return 0;
  return cpu_delta / system_delta * cpus * 100.0;
}

nlohmann::json StatsRowJson(const berth::tasks::v1::ContainerStats& stats, double cpu_percent,
                            const std::string& container, bool no_trunc) {
  double memory = static_cast<double>(stats.memory_working_set_bytes() > 0 ? stats.memory_working_set_bytes()
                                                                           : stats.memory_usage_bytes());
  double limit = static_cast<double>(stats.memory_limit_bytes());
  std::string name = absl::StartsWith(stats.name(), "/") ? stats.name().substr(1) : stats.name();
  auto pair = [](uint64_t a, uint64_t b) {
    return HumanSize(static_cast<double>(a)) + " / " + HumanSize(static_cast<double>(b));
  };
  return {{"BlockIO", pair(stats.blkio_read_bytes(), stats.blkio_write_bytes())},
          {"CPUPerc", absl::StrFormat("%.2f%%", cpu_percent)},
          {"Container", container.empty() ? (no_trunc ? stats.id() : ShortContainerId(stats.id())) : container},
          {"ID", no_trunc ? stats.id() : ShortContainerId(stats.id())},
          {"MemPerc", absl::StrFormat("%.2f%%", limit > 0 ? memory / limit * 100.0 : 0.0)},
          {"MemUsage", BytesSize(memory) + " / " + BytesSize(limit)},
          {"Name", name.empty() ? "--" : name},
          {"NetIO", pair(stats.net_rx_bytes(), stats.net_tx_bytes())},
          {"PIDs", std::to_string(stats.pids_current())}};
}

std::map<std::string, std::string> EventAttributes(const berth::tasks::v1::ContainerEvent& event) {
  std::map<std::string, std::string> attributes(event.attributes().begin(), event.attributes().end());
  if (!event.image().empty()) attributes.emplace("image", event.image());
  if (!event.name().empty()) {
    attributes.emplace("name", absl::StartsWith(event.name(), "/") ? event.name().substr(1) : event.name());
  }
  if (event.action() == "die") attributes.emplace("exitCode", std::to_string(event.exit_code()));
  if (!event.signal().empty()) attributes.emplace("signal", event.signal());
  return attributes;
}

std::string EventLine(const google::protobuf::Timestamp& time,
                      const berth::tasks::v1::ContainerEvent& event) {
  std::string line = absl::StrCat(Rfc3339NanoFixed(time), " container ", event.action(), " ", event.id());
  std::vector<std::string> attributes;
  for (const auto& [key, value] : EventAttributes(event)) attributes.push_back(key + "=" + value);
  if (!attributes.empty()) absl::StrAppend(&line, " (", absl::StrJoin(attributes, ", "), ")");
  return line;
}

nlohmann::json EventJson(const google::protobuf::Timestamp& time,
                         const berth::tasks::v1::ContainerEvent& event) {
  nlohmann::json attributes = nlohmann::json::object();
  for (const auto& [key, value] : EventAttributes(event)) attributes[key] = value;
  return {{"status", event.action()},
          {"id", event.id()},
          {"from", event.image()},
          {"Type", "container"},
          {"Action", event.action()},
          {"Actor", {{"ID", event.id()}, {"Attributes", attributes}}},
          {"scope", "local"},
          {"time", time.seconds()},
          {"timeNano", time.seconds() * 1000000000 + time.nanos()}};
}

int PrintRows(const std::string& format, const std::string& default_format, const nlohmann::json& header,
              const std::vector<nlohmann::json>& rows) {
  std::string chosen = format.empty() || format == "table" ? default_format : format;
  if (chosen == "json") {
    for (const nlohmann::json& row : rows) std::printf("%s\n", row.dump().c_str());
    return 0;
  }
  absl::string_view table_template(chosen);
  if (!absl::ConsumePrefix(&table_template, "table")) {
    for (const nlohmann::json& row : rows) {
      if (!PrintFormatted(chosen, row)) return kExitUsage;
    }
    return 0;
  }
  std::string templ(absl::StripLeadingAsciiWhitespace(table_template));
  std::vector<std::vector<std::string>> table;
  // The header row keeps its column names whatever functions the template
  // applies (docker's header context): {{lower .Names}} still heads NAMES.
  auto add = [&](const nlohmann::json& value, bool is_header = false) {
    auto line = is_header ? RenderHeader(templ, value) : RenderFormat(templ, value);
    if (!line.ok()) {
      std::fprintf(stderr, "%s\n", std::string(line.status().message()).c_str());
      return false;
    }
    table.push_back(absl::StrSplit(*line, '\t'));
    return true;
  };
  if (!add(header, /*is_header=*/true)) return kExitUsage;
  for (const nlohmann::json& row : rows) {
    if (!add(row)) return kExitUsage;
  }
  std::printf("%s", FormatTable(table, /*utf8_width=*/true).c_str());
  return 0;
}

}  // namespace berth::cli
