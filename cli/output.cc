#include "cli/output.h"

#include <cstdio>
#include <vector>

#include "absl/strings/str_cat.h"
#include "absl/strings/str_format.h"
#include "absl/strings/ascii.h"
#include "absl/time/time.h"
#include "cli/template.h"

namespace berth::cli {

namespace {

// docker inspect's exit code for a template that does not parse.
constexpr int kExitTemplateParse = 64;

TemplateOptions FormatOptions() {
  TemplateOptions options;
  options.expand_text_escapes = true;
  return options;
}

void PrintTemplateError(const absl::Status& status) {
  std::fprintf(stderr, "template parsing error: %s\n", std::string(status.message()).c_str());
}

}  // namespace

absl::StatusOr<std::string> RenderFormat(const std::string& format, const nlohmann::json& value) {
  if (format == "json") return value.dump(-1, ' ', false, nlohmann::json::error_handler_t::replace);
  absl::StatusOr<Template> parsed = Template::Parse(format, FormatOptions());
  if (!parsed.ok()) return parsed.status();
  return parsed->Execute(value);
}

absl::StatusOr<std::string> RenderHeader(const std::string& format, const nlohmann::json& header) {
  TemplateOptions options = FormatOptions();
  options.header_functions = true;
  absl::StatusOr<Template> parsed = Template::Parse(format, options);
  if (!parsed.ok()) return parsed.status();
  return parsed->Execute(header);
}

bool PrintFormatted(const std::string& format, const nlohmann::json& object) {
  // docker's formatter drops spaces around the format.
  size_t first = format.find_first_not_of(' ');
  std::string trimmed =
      first == std::string::npos ? "" : format.substr(first, format.find_last_not_of(' ') - first + 1);
  auto line = RenderFormat(trimmed == "json" ? "{{json .}}" : trimmed, object);
  if (!line.ok()) {
    PrintTemplateError(line.status());
    return false;
  }
  std::printf("%s\n", line->c_str());
  return true;
}

int PrintInspect(const nlohmann::json& objects, const std::string& format, int rc) {
  if (format.empty()) {
    std::printf("%s\n", objects.dump(4, ' ', false, nlohmann::json::error_handler_t::replace).c_str());
    return rc;
  }
  // docker inspect --format json: all objects as one compact array.
  if (format == "json") {
    std::printf("%s\n", objects.dump(-1, ' ', false, nlohmann::json::error_handler_t::replace).c_str());
    return rc;
  }
  absl::StatusOr<Template> parsed = Template::Parse(format, FormatOptions());
  if (!parsed.ok()) {
    PrintTemplateError(parsed.status());
    return kExitTemplateParse;
  }
  // As docker: every object that renders is printed, the failures are
  // reported after them and make the exit code 1.
  std::string out;
  std::vector<absl::Status> failures;
  for (const auto& object : objects) {
    absl::StatusOr<std::string> text = parsed->ExecuteInspect(object);
    if (text.ok()) {
      absl::StrAppend(&out, *text, "\n");
    } else {
      failures.push_back(text.status());
    }
  }
  std::fputs(out.empty() ? "\n" : out.c_str(), stdout);
  std::fflush(stdout);
  for (const absl::Status& failure : failures) PrintTemplateError(failure);
  return failures.empty() ? rc : kExitDaemonError;
}

std::string FormatTable(const std::vector<std::vector<std::string>>& rows, bool utf8_width) {
  auto width_of = [utf8_width](const std::string& cell) {
    if (!utf8_width) return cell.size();
    size_t count = 0;
    for (unsigned char c : cell) count += (c & 0xC0) != 0x80;
    return count;
  };
  std::vector<size_t> widths;
  for (const auto& row : rows) {
    for (size_t i = 0; i < row.size(); ++i) {
      if (widths.size() <= i) widths.push_back(10);
      widths[i] = std::max(widths[i], width_of(row[i]) + 3);
    }
  }
  std::string out;
  for (const auto& row : rows) {
    std::string line;
    for (size_t i = 0; i < row.size(); ++i) {
      line += row[i];
      if (i + 1 < row.size()) line.append(widths[i] - width_of(row[i]), ' ');
    }
    while (!line.empty() && line.back() == ' ') line.pop_back();
    out += line + "\n";
  }
  return out;
}

std::string Rfc3339(int64_t unix_seconds) {
  return absl::FormatTime("%Y-%m-%dT%H:%M:%SZ", absl::FromUnixSeconds(unix_seconds),
                          absl::UTCTimeZone());
}

bool Confirm(const std::string& warning) {
  std::printf("%s\nAre you sure you want to continue? [y/N] ", warning.c_str());
  std::fflush(stdout);
  char answer[16] = {};
  if (std::fgets(answer, sizeof(answer), stdin) == nullptr) return false;
  std::string text = absl::AsciiStrToLower(absl::StripAsciiWhitespace(answer));
  return text == "y" || text == "yes";
}

std::string HumanSize(double bytes) {
  static const char* kUnits[] = {"B", "kB", "MB", "GB", "TB", "PB"};
  int unit = 0;
  while (bytes >= 1000 && unit < 5) {
    bytes /= 1000;
    ++unit;
  }
  return absl::StrFormat("%.3g%s", bytes, kUnits[unit]);
}

std::string HumanDuration(int64_t seconds) {
  if (seconds < 1) return "Less than a second";
  if (seconds == 1) return "1 second";
  if (seconds < 60) return absl::StrCat(seconds, " seconds");
  int64_t minutes = seconds / 60;
  if (minutes == 1) return "About a minute";
  if (minutes < 60) return absl::StrCat(minutes, " minutes");
  int64_t hours = seconds / 3600;
  if (hours == 1) return "About an hour";
  if (hours < 48) return absl::StrCat(hours, " hours");
  if (hours < 24 * 7 * 2) return absl::StrCat(hours / 24, " days");
  if (hours < 24 * 30 * 2) return absl::StrCat(hours / 24 / 7, " weeks");
  if (hours < 24 * 365 * 2) return absl::StrCat(hours / 24 / 30, " months");
  return absl::StrCat(hours / 24 / 365, " years");
}

std::string BytesSize(double bytes) {
  static const char* kUnits[] = {"B", "KiB", "MiB", "GiB", "TiB", "PiB"};
  int unit = 0;
  while (bytes >= 1024 && unit < 5) {
    bytes /= 1024;
    ++unit;
  }
  return absl::StrFormat("%.4g%s", bytes, kUnits[unit]);
}

int ReportCallError(const grpc::Status& status, const std::string& host, grpc::Channel* channel,
                    int exit_code) {
  bool unreachable = status.error_code() == grpc::StatusCode::UNAVAILABLE &&
                     channel != nullptr &&
                     channel->GetState(false) != GRPC_CHANNEL_READY;
  if (unreachable) {
    std::fprintf(stderr,
                 "Cannot connect to the berth daemon at %s. Is berthd running?\n"
                 "(%s)\n",
                 host.c_str(), status.error_message().c_str());
  } else {
    std::fprintf(stderr, "Error response from daemon: %s\n", status.error_message().c_str());
  }
  return exit_code;
}

}  // namespace berth::cli
