#include "shim/cgroup/devices.h"

#include "absl/strings/numbers.h"
#include "absl/strings/str_cat.h"
#include "absl/strings/str_split.h"
#include "absl/strings/strip.h"

namespace berth::cgroup {
namespace {

bool ParseNumber(absl::string_view text, int64_t* out) {
  if (text == "*") {
    *out = kAnyDevice;
    return true;
  }
  if (text.empty()) return false;
  for (char c : text) {
    if (c < '0' || c > '9') return false;
  }
  return absl::SimpleAtoi(text, out) && *out <= 0xFFFFFFFF;
}

std::string FormatNumber(int64_t number) {
  return number == kAnyDevice ? "*" : std::to_string(number);
}

// The group a major's devices have in /proc/devices ("136 pts").
std::string DeviceGroup(absl::string_view proc_devices, char type, int64_t major) {
  bool in_section = false;
  for (absl::string_view line : absl::StrSplit(proc_devices, '\n')) {
    line = absl::StripAsciiWhitespace(line);
    if (line == "Character devices:") {
      in_section = type == 'c';
      continue;
    }
    if (line == "Block devices:") {
      in_section = type == 'b';
      continue;
    }
    std::pair<absl::string_view, absl::string_view> parts = absl::StrSplit(line, absl::MaxSplits(' ', 1));
    int64_t number = 0;
    if (in_section && absl::SimpleAtoi(parts.first, &number) && number == major) {
      return std::string(parts.second);
    }
  }
  return "";
}

}  // namespace

absl::StatusOr<DeviceRule> ParseDeviceRule(absl::string_view text) {
  auto bad = [&] {
    return absl::InvalidArgumentError(absl::StrCat("invalid device cgroup format '", text, "'"));
  };
  // docker's ^([acb]) ([0-9]+|\*):([0-9]+|\*) ([rwm]{1,3})$
  std::vector<absl::string_view> fields = absl::StrSplit(text, ' ');
  if (fields.size() != 3 || fields[0].size() != 1) return bad();
  DeviceRule rule;
  rule.type = fields[0][0];
  if (rule.type != 'a' && rule.type != 'c' && rule.type != 'b') return bad();
  std::vector<absl::string_view> numbers = absl::StrSplit(fields[1], ':');
  if (numbers.size() != 2 || !ParseNumber(numbers[0], &rule.major) ||
      !ParseNumber(numbers[1], &rule.minor)) {
    return bad();
  }
  if (fields[2].empty() || fields[2].size() > 3) return bad();
  for (char c : fields[2]) {
    if (c != 'r' && c != 'w' && c != 'm') return bad();
  }
  rule.access = std::string(fields[2]);
  return rule;
}

std::string FormatDeviceRule(const DeviceRule& rule) {
  return absl::StrCat(std::string(1, rule.type), " ", FormatNumber(rule.major), ":",
                      FormatNumber(rule.minor), " ", rule.access);
}

std::vector<std::string> V1AllowLines(const DeviceRule& rule) {
  if (AllowsEverything({rule})) return {"a"};
  if (rule.type != 'a') return {FormatDeviceRule(rule)};
  DeviceRule chars = rule, blocks = rule;
  chars.type = 'c';
  blocks.type = 'b';
  return {FormatDeviceRule(chars), FormatDeviceRule(blocks)};
}

const std::vector<DeviceRule>& DefaultDeviceRules() {
  static const auto* rules = new std::vector<DeviceRule>{
      {'c', kAnyDevice, kAnyDevice, "m"},  // mknod, not open
      {'b', kAnyDevice, kAnyDevice, "m"},
      {'c', 1, 3, "rwm"},    // null
      {'c', 1, 5, "rwm"},    // zero
      {'c', 1, 7, "rwm"},    // full
      {'c', 1, 8, "rwm"},    // random
      {'c', 1, 9, "rwm"},    // urandom
      {'c', 5, 0, "rwm"},    // tty
      {'c', 5, 1, "rwm"},    // console
      {'c', 5, 2, "rwm"},    // ptmx
      {'c', 136, kAnyDevice, "rwm"},  // pts
      {'c', 10, 200, "rwm"},  // net/tun
  };
  return *rules;
}

bool AllowsEverything(const std::vector<DeviceRule>& rules) {
  for (const DeviceRule& rule : rules) {
    if (rule.type == 'a' && rule.major == kAnyDevice && rule.minor == kAnyDevice) {
      bool all = true;
      for (char c : {'r', 'w', 'm'}) all &= rule.access.find(c) != std::string::npos;
      if (all) return true;
    }
  }
  return false;
}

std::vector<std::string> DeviceProperties(const std::vector<DeviceRule>& rules,
                                          absl::string_view proc_devices) {
  if (AllowsEverything(rules)) return {};
  std::vector<std::string> out = {"DevicePolicy=strict"};
  for (const DeviceRule& rule : rules) {
    std::vector<char> types;
    if (rule.type == 'a') {
      types = {'c', 'b'};
    } else {
      types = {rule.type};
    }
    for (char type : types) {
      std::string kind = type == 'c' ? "char" : "block";
      std::string entry;
      if (rule.major == kAnyDevice) {
        entry = kind + "-*";
      } else if (rule.minor == kAnyDevice) {
        std::string group = DeviceGroup(proc_devices, type, rule.major);
        // A major the kernel does not know has no devices to allow.
        if (group.empty()) continue;
        entry = absl::StrCat(kind, "-", group);
      } else {
        // systemd reads the numbers from this path without stat()ing it.
        entry = absl::StrCat("/dev/", kind, "/", rule.major, ":", rule.minor);
      }
      out.push_back(absl::StrCat("DeviceAllow=", entry, " ", rule.access));
    }
  }
  return out;
}

}  // namespace berth::cgroup
