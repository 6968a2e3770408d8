#include "services/common/base/time_arg.h"

#include <algorithm>
#include <vector>

#include "absl/strings/ascii.h"
#include "absl/strings/numbers.h"
#include "absl/strings/str_cat.h"
#include "absl/strings/str_split.h"

namespace berth {
namespace {

bool AllDigits(absl::string_view text) {
  if (text.empty()) return false;
  for (char c : text) {
    if (!absl::ascii_isdigit(static_cast<unsigned char>(c))) return false;
  }
  return true;
}

}  // namespace

absl::StatusOr<absl::Time> ParseTimeArg(const std::string& text, absl::Time now) {
  absl::Duration duration;
  if (text != "0" && absl::ParseDuration(text, &duration)) return now - duration;
  bool has_zone = text.find_first_of("zZ+") != std::string::npos ||
                  std::count(text.begin(), text.end(), '-') == 3;
  static const char* kZoned[] = {"%Y-%m-%dT%H:%M:%E*S%Ez", "%Y-%m-%dT%H:%M%Ez", "%Y-%m-%dT%H%Ez",
                                 "%Y-%m-%d%Ez"};
  static const char* kLocal[] = {"%Y-%m-%dT%H:%M:%E*S", "%Y-%m-%dT%H:%M", "%Y-%m-%dT%H", "%Y-%m-%d"};
  for (const char* format : has_zone ? kZoned : kLocal) {
    absl::Time time;
    std::string error;
    if (absl::ParseTime(format, text, absl::UTCTimeZone(), &time, &error)) return time;
  }
  absl::Status failed = absl::InvalidArgumentError(
      absl::StrCat("failed to parse value as time or duration: \"", text, "\""));
  if (text.find('-') != std::string::npos) return failed;
  std::vector<std::string> parts = absl::StrSplit(text, absl::MaxSplits('.', 1));
  int64_t seconds = 0;
  if (!AllDigits(parts[0]) || !absl::SimpleAtoi(parts[0], &seconds)) return failed;
  absl::Time time = absl::FromUnixSeconds(seconds);
  if (parts.size() == 2) {
    std::string fraction = parts[1].substr(0, 9);
    if (!AllDigits(fraction)) return failed;
    fraction.resize(9, '0');
    time += absl::Nanoseconds(std::stoi(fraction));
  }
  return time;
}

}  // namespace berth
