#ifndef BERTH_CLI_COMMANDS_CONTAINER_PARSE_H_
#define BERTH_CLI_COMMANDS_CONTAINER_PARSE_H_

// The values `docker run` flags take, parsed as the docker CLI parses them
// (go-units sizes, nat port specs, volume specs, env files...). Pure: no
// I/O, so they are unit-tested. Error messages are docker's.

#include <cstdint>
#include <functional>
#include <map>
#include <optional>
#include <string>
#include <utility>
#include <vector>

#include "absl/status/statusor.h"
#include "absl/time/time.h"
#include "berth/tasks/v1/tasks.pb.h"
#include "google/protobuf/timestamp.pb.h"

namespace berth::cli {

// Looks a variable up in the CLI's environment (nullopt when unset).
using EnvLookup = std::function<std::optional<std::string>(const std::string&)>;

// Go's strconv errors, as pflag prints them.
absl::StatusOr<int64_t> ParseGoInt(const std::string& text, int bits = 64);
absl::StatusOr<uint64_t> ParseGoUint(const std::string& text, int bits = 64);
absl::StatusOr<bool> ParseGoBool(const std::string& text);
// Go's time.ParseDuration ("200ms", "1m30s"), with its error texts.
absl::StatusOr<absl::Duration> ParseGoDuration(const std::string& text);

// go-units RAMInBytes: "512m", "1.5g", "64MiB", "100" (bytes); 1024-based.
// Error: "invalid size: '32x'".
absl::StatusOr<int64_t> ParseMemoryBytes(const std::string& text);
// --memory-swap: -1 (unlimited) or a size.
absl::StatusOr<int64_t> ParseMemorySwap(const std::string& text);
// --cpus: a decimal number of CPUs as nano CPUs ("1.5" -> 1500000000).
absl::StatusOr<int64_t> ParseNanoCpus(const std::string& text);

// --restart: no | on-failure[:N] | always | unless-stopped.
absl::StatusOr<berth::tasks::v1::RestartPolicy> ParseRestartPolicy(const std::string& text);
// --ulimit name=soft[:hard].
absl::StatusOr<berth::tasks::v1::Ulimit> ParseUlimit(const std::string& text);
// -p [ip:][hostPort:]containerPort[/proto], with ranges; one binding per port.
absl::StatusOr<std::vector<berth::tasks::v1::PortBinding>> ParsePortSpec(const std::string& text);
// --expose port[-port][/proto] -> "80/tcp"...
absl::StatusOr<std::vector<std::string>> ParseExposedPorts(const std::string& text);
// -v [source:]destination[:mode].
absl::StatusOr<berth::tasks::v1::MountSpec> ParseVolumeSpec(const std::string& text);
// --mount type=...,source=...,target=...,readonly,...
absl::StatusOr<berth::tasks::v1::MountSpec> ParseMountFlag(const std::string& text);
// --tmpfs /path[:options].
absl::StatusOr<berth::tasks::v1::MountSpec> ParseTmpfsSpec(const std::string& text);

// -e: KEY=VALUE as is; a bare KEY takes the CLI's value when set.
absl::StatusOr<std::string> ParseEnvFlag(const std::string& text, const EnvLookup& lookup);
// --env-file content: KEY=VAL lines, '#' comments, blank lines; a bare KEY
// takes the CLI's value or is dropped when unset.
absl::StatusOr<std::vector<std::string>> ParseEnvFile(const std::string& content,
                                                      const EnvLookup& lookup);
// -l KEY[=VALUE].
absl::StatusOr<std::pair<std::string, std::string>> ParseLabel(const std::string& text);
// --add-host host:ip or host=ip, normalised to host:ip.
absl::StatusOr<std::string> ParseExtraHost(const std::string& text);
// --dns: an IPv4 or IPv6 address.
absl::StatusOr<std::string> ParseIpAddress(const std::string& text);
bool IsIpAddress(const std::string& text);
// --platform os[/arch[/variant]] or a bare architecture.
absl::StatusOr<berth::types::v1::Platform> ParsePlatform(const std::string& text);

// --since/--until as docker's GetTimestamp: a duration before now ("10m",
// "1h30m"), RFC 3339 (with or without zone, fraction or time; no zone means
// UTC), or Unix seconds with an optional fraction.
absl::StatusOr<google::protobuf::Timestamp> ParseTimeArg(const std::string& text, absl::Time now);

// --device HOST[:CONTAINER][:MODE] (docker's CLI checks and messages).
absl::StatusOr<berth::tasks::v1::DeviceMapping> ParseDeviceFlag(const std::string& text);
// --device-cgroup-rule "c 1:3 rwm": "invalid device cgroup format '...'".
absl::Status ValidateDeviceCgroupRule(const std::string& text);
// --gpus all, N, or driver=,count=,device=,capabilities=,options=.
absl::StatusOr<berth::tasks::v1::DeviceRequest> ParseGpusFlag(const std::string& text);

// --filter key=value. Error "bad format of filter (expected name=value)".
absl::StatusOr<std::pair<std::string, std::string>> ParseFilter(const std::string& text);

}  // namespace berth::cli

#endif  // BERTH_CLI_COMMANDS_CONTAINER_PARSE_H_
