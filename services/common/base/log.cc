#include "services/common/base/log.h"

#include <unistd.h>

#include <atomic>
#include <cstdio>
#include <string>

#include "absl/strings/str_cat.h"
#include "absl/strings/str_replace.h"
#include "absl/time/clock.h"
#include "absl/time/time.h"

namespace berth::log {
namespace {

std::atomic<int> g_level{static_cast<int>(Level::kInfo)};
std::string* g_component = new std::string();

const char* LevelName(Level level) {
  switch (level) {
    case Level::kDebug:
      return "debug";
    case Level::kInfo:
      return "info";
    case Level::kWarn:
      return "warning";
    case Level::kError:
      return "error";
    case Level::kFatal:
      return "fatal";
  }
  return "info";
}

}  // namespace

bool ParseLevel(std::string_view text, Level* level) {
  if (text == "debug") {
    *level = Level::kDebug;
  } else if (text == "info") {
    *level = Level::kInfo;
  } else if (text == "warn" || text == "warning") {
    *level = Level::kWarn;
  } else if (text == "error") {
    *level = Level::kError;
  } else if (text == "fatal") {
    *level = Level::kFatal;
  } else {
    return false;
  }
  return true;
}

void SetLevel(Level level) { g_level.store(static_cast<int>(level)); }

bool Enabled(Level level) { return static_cast<int>(level) >= g_level.load(); }

void SetComponent(std::string component) { *g_component = std::move(component); }

void Write(Level level, std::string_view message) {
  if (!Enabled(level)) return;
  std::string escaped = absl::StrReplaceAll(
      absl::string_view(message.data(), message.size()),
      {{"\\", "\\\\"}, {"\"", "\\\""}, {"\n", "\\n"}});
  std::string line = absl::StrCat(
      "time=\"", absl::FormatTime("%Y-%m-%dT%H:%M:%E3SZ", absl::Now(), absl::UTCTimeZone()),
      "\" level=", LevelName(level), " msg=\"", escaped, "\"");
  if (!g_component->empty()) absl::StrAppend(&line, " component=", *g_component);
  line.push_back('\n');
  // One write(2) per line so lines from several threads and processes sharing
  // the same stderr do not interleave.
  ssize_t ignored = ::write(STDERR_FILENO, line.data(), line.size());
  (void)ignored;
}

}  // namespace berth::log
