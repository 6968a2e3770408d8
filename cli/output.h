#ifndef BERTH_CLI_OUTPUT_H_
#define BERTH_CLI_OUTPUT_H_

// Output helpers shared by the commands: docker's --format subset, sizes and
// the errors docker prints.

#include <cstdint>
#include <string>
#include <vector>

#include <grpcpp/channel.h>
#include <grpcpp/support/status.h>

#include "absl/status/statusor.h"
#include "nlohmann/json.hpp"

namespace berth::cli {

// Exit codes as docker's CLI.
inline constexpr int kExitDaemonError = 1;
inline constexpr int kExitUsage = 125;

// Renders docker's --format: a Go text/template (cli/template.h) over value,
// with \n and \t in its text read as newline and tab; "json" alone is the
// value as one line of JSON.
absl::StatusOr<std::string> RenderFormat(const std::string& format, const nlohmann::json& value);

// RenderFormat for the header row of a "table" format: header maps each
// field to its column name, and docker's string functions (lower, json,
// join, ...) leave the name as it is, so the header reads NAMES, not names.
absl::StatusOr<std::string> RenderHeader(const std::string& format, const nlohmann::json& header);

// Writes rows as docker's tabwriter does (min width 10, padding 3); the
// last column is not padded. utf8_width measures cells in characters as Go's
// tabwriter does ("…" is one), rather than in bytes.
std::string FormatTable(const std::vector<std::vector<std::string>>& rows, bool utf8_width = false);

// RFC 3339 in UTC as docker prints times in JSON ("2026-11-22T10:00:00Z").
std::string Rfc3339(int64_t unix_seconds);

// Asks "Are you sure you want to continue? [y/N]" on the terminal; false
// when stdin is not answered with y or yes.
bool Confirm(const std::string& warning);

// docker's units.HumanSize: 1000-based, three significant digits ("4.26MB").
std::string HumanSize(double bytes);

// docker's units.HumanDuration ("2 weeks", "About an hour").
std::string HumanDuration(int64_t seconds);

// One object through a --format template ("json": one JSON line), spaces
// around the format ignored as docker's formatter does; prints "template
// parsing error: ..." and returns false when the template is bad.
bool PrintFormatted(const std::string& format, const nlohmann::json& object);

// docker's inspect output: an indented JSON array, one compact array for
// "json", or each object through the --format template. A template that does
// not parse returns 64; objects it fails on are reported after the others
// are printed and return 1; otherwise rc.
int PrintInspect(const nlohmann::json& objects, const std::string& format, int rc);

// docker's units.BytesSize: 1024-based with two decimals ("23.47GiB").
std::string BytesSize(double bytes);

// Prints a failed call as docker does: "Cannot connect to the berth daemon at
// HOST. Is berthd running?" when the endpoint is unreachable, otherwise
// "Error response from daemon: MESSAGE". Returns the exit code to use.
int ReportCallError(const grpc::Status& status, const std::string& host,
                    grpc::Channel* channel, int exit_code = kExitDaemonError);

}  // namespace berth::cli

#endif  // BERTH_CLI_OUTPUT_H_
