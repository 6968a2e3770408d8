#include "shim/container/capabilities.h"

#include <sys/capability.h>

#include <fstream>
#include <string>

#include "absl/strings/ascii.h"
#include "absl/strings/match.h"
#include "absl/strings/numbers.h"
#include "absl/strings/str_cat.h"
#include "absl/strings/strip.h"

namespace berth::container {
namespace {

absl::StatusOr<int> Number(const std::string& name) {
  std::string lower = absl::AsciiStrToLower(name);
  if (!absl::StartsWith(lower, "cap_")) lower = "cap_" + lower;
  cap_value_t value;
  if (cap_from_name(lower.c_str(), &value) != 0) {
    return absl::InvalidArgumentError(absl::StrCat("unknown capability: \"", name, "\""));
  }
  return static_cast<int>(value);
}

}  // namespace

std::vector<std::string> DefaultCapabilities() {
  return {"CHOWN",   "DAC_OVERRIDE", "FSETID", "FOWNER",           "MKNOD",
          "NET_RAW", "SETGID",       "SETUID", "SETFCAP",          "SETPCAP",
          "NET_BIND_SERVICE", "SYS_CHROOT", "KILL", "AUDIT_WRITE"};
}

int LastCapability() {
  std::ifstream in("/proc/sys/kernel/cap_last_cap");
  int last = CAP_LAST_CAP;
  in >> last;
  return last;
}

uint64_t HostBoundingSet() {
  std::ifstream in("/proc/self/status");
  std::string line;
  while (std::getline(in, line)) {
    absl::string_view rest(line);
    if (absl::ConsumePrefix(&rest, "CapBnd:")) {
      uint64_t mask = 0;
      if (absl::SimpleHexAtoi(absl::StripAsciiWhitespace(rest), &mask)) return mask;
    }
  }
  return 0;
}

absl::StatusOr<uint64_t> CapabilityMask(const std::vector<std::string>& add,
                                        const std::vector<std::string>& drop, bool privileged,
                                        uint64_t bounding) {
  uint64_t all = LastCapability() >= 63 ? ~uint64_t{0} : (uint64_t{1} << (LastCapability() + 1)) - 1;
  uint64_t mask = 0;
  if (privileged) {
    mask = all;
  } else {
    for (const std::string& name : DefaultCapabilities()) {
      auto number = Number(name);
      if (!number.ok()) return number.status();
      mask |= uint64_t{1} << *number;
    }
  }
  for (const std::string& name : add) {
    if (absl::AsciiStrToUpper(name) == "ALL") {
      mask = all;
      continue;
    }
    auto number = Number(name);
    if (!number.ok()) return number.status();
    mask |= uint64_t{1} << *number;
  }
  for (const std::string& name : drop) {
    if (absl::AsciiStrToUpper(name) == "ALL") {
      mask = 0;
      continue;
    }
    auto number = Number(name);
    if (!number.ok()) return number.status();
    mask &= ~(uint64_t{1} << *number);
  }
  return mask & bounding;
}

}  // namespace berth::container
