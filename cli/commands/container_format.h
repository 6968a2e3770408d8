#ifndef BERTH_CLI_COMMANDS_CONTAINER_FORMAT_H_
#define BERTH_CLI_COMMANDS_CONTAINER_FORMAT_H_

// How docker shows containers: states, times, commands, ports, the ps and
// inspect JSON, stats and events lines. Pure functions of the messages the
// tasks service returns, so they are unit-tested.

#include <cstdint>
#include <map>
#include <string>
#include <vector>

#include "cli/template_value.h"  // GoQuote
#include "berth/tasks/v1/tasks.pb.h"
#include "berth/types/v1/types.pb.h"
#include "google/protobuf/timestamp.pb.h"
#include "nlohmann/json.hpp"

namespace berth::cli {

// Go's strconv.Quote, as the template library has it.
using gotmpl::GoQuote;

// "created", "running", "paused", "restarting", "removing", "exited", "dead".
std::string StateName(berth::tasks::v1::Status status);
// Unset timestamps: proto's zero and Go's zero time (0001-01-01).
bool IsZeroTime(const google::protobuf::Timestamp& time);
// Go's RFC3339Nano (fraction without trailing zeros), in UTC; docker's
// "0001-01-01T00:00:00Z" for an unset time.
std::string Rfc3339Nano(const google::protobuf::Timestamp& time);
// docker's RFC3339NanoFixed: always nine fraction digits.
std::string Rfc3339NanoFixed(const google::protobuf::Timestamp& time);

// docker ps STATUS: "Up 5 seconds", "Exited (0) 3 seconds ago", "Created"...
std::string StatusText(const berth::tasks::v1::State& state, int64_t now_seconds);
// docker's formatter.Ellipsis: at most `width` characters, "…" at the end.
std::string Ellipsis(const std::string& text, size_t width);
// The first 12 characters of an id.
std::string ShortContainerId(const std::string& id);
// The container's name without docker's leading "/".
std::string ContainerName(const berth::tasks::v1::Container& container);

// ps COMMAND: entrypoint and cmd joined, quoted; truncated to 20 unless
// no_trunc.
std::string CommandText(const berth::tasks::v1::Container& container, bool no_trunc);
// ps PORTS: "0.0.0.0:8080->80/tcp, 443/tcp" for running containers.
std::string PortsText(const berth::tasks::v1::Container& container);

// One `ps` row as docker's --format sees it (ID, Image, Command, CreatedAt,
// RunningFor, Ports, State, Status, Size, Names, Labels, Mounts, Networks).
nlohmann::json PsRowJson(const berth::tasks::v1::Container& container, int64_t now_seconds,
                         bool no_trunc, const std::string& size);

// docker stats: CPU % from two samples ((cpu delta / system delta) * CPUs
// * 100); 0 without a previous sample.
double CpuPercent(const berth::tasks::v1::ContainerStats* previous,
                  const berth::tasks::v1::ContainerStats& current);
// One `stats` row (BlockIO, CPUPerc, Container, ID, MemPerc, MemUsage, Name,
// NetIO, PIDs).
nlohmann::json StatsRowJson(const berth::tasks::v1::ContainerStats& stats, double cpu_percent,
                            const std::string& container, bool no_trunc);

// docker's event attributes for a container event (image, name, exitCode
// for die, signal for kill, and whatever the service added).
std::map<std::string, std::string> EventAttributes(const berth::tasks::v1::ContainerEvent& event);
// "2026-11-29T10:00:00.000000000Z container start ID (image=busybox, name=web)".
std::string EventLine(const google::protobuf::Timestamp& time,
                      const berth::tasks::v1::ContainerEvent& event);
// docker's events.Message JSON.
nlohmann::json EventJson(const google::protobuf::Timestamp& time,
                         const berth::tasks::v1::ContainerEvent& event);

// Prints rows as docker's formatter: "" and "table" use `default_format`,
// "table TEMPLATE" a table with `header` naming the columns, "json" one
// JSON object a line, anything else a template per row. Returns the exit
// code (kExitUsage for a bad template).
int PrintRows(const std::string& format, const std::string& default_format,
              const nlohmann::json& header, const std::vector<nlohmann::json>& rows);

}  // namespace berth::cli

#endif  // BERTH_CLI_COMMANDS_CONTAINER_FORMAT_H_
