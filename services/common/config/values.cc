#include "services/common/config/values.h"

#include <arpa/inet.h>

#include <cmath>
#include <string>

#include "absl/strings/ascii.h"
#include "absl/strings/numbers.h"
#include "absl/strings/str_cat.h"

namespace berth::config {
namespace {

bool ParseIp(std::string_view text, bool* ipv6) {
  // inet_pton needs a NUL-terminated string.
  std::string copy(text);
  unsigned char buffer[16];
  if (inet_pton(AF_INET, copy.c_str(), buffer) == 1) {
    *ipv6 = false;
    return true;
  }
  if (inet_pton(AF_INET6, copy.c_str(), buffer) == 1) {
    *ipv6 = true;
    return true;
  }
  return false;
}

// Digits only: SimpleAtoi would also take "+8" and " 8".
bool ParseSmallNumber(std::string_view text, int max, int* out) {
  if (text.empty() || text.size() > 5) return false;
  int value = 0;
  for (char c : text) {
    if (!absl::ascii_isdigit(static_cast<unsigned char>(c))) return false;
    value = value * 10 + (c - '0');
  }
  if (value > max) return false;
  *out = value;
  return true;
}

bool IsPort(std::string_view text) {
  int port = 0;
  return ParseSmallNumber(text, 65535, &port) && port > 0;
}

bool IsHostName(std::string_view text) {
  if (text.empty() || text.size() > 253) return false;
  for (char c : text) {
    if (!absl::ascii_isalnum(static_cast<unsigned char>(c)) && c != '-' && c != '.' && c != '_') {
      return false;
    }
  }
  return text.front() != '-' && text.front() != '.';
}

}  // namespace

bool IsIpAddress(std::string_view text) {
  bool ipv6 = false;
  return ParseIp(text, &ipv6);
}

std::optional<Cidr> ParseCidr(std::string_view text) {
  size_t slash = text.find('/');
  if (slash == std::string_view::npos) return std::nullopt;
  Cidr cidr;
  if (!ParseIp(text.substr(0, slash), &cidr.ipv6)) return std::nullopt;
  if (!ParseSmallNumber(text.substr(slash + 1), cidr.ipv6 ? 128 : 32, &cidr.prefix)) {
    return std::nullopt;
  }
  return cidr;
}

bool IsHostPort(std::string_view text) {
  if (IsIpAddress(text)) return true;  // Includes bare IPv6 such as ::1.
  if (!text.empty() && text.front() == '[') {
    size_t close = text.find(']');
    if (close == std::string_view::npos) return false;
    bool ipv6 = false;
    if (!ParseIp(text.substr(1, close - 1), &ipv6) || !ipv6) return false;
    std::string_view rest = text.substr(close + 1);
    return rest.empty() || (rest.front() == ':' && IsPort(rest.substr(1)));
  }
  size_t colon = text.find(':');
  if (colon == std::string_view::npos) return IsHostName(text);
  return IsHostName(text.substr(0, colon)) && IsPort(text.substr(colon + 1));
}

bool IsDomainName(std::string_view text) {
  if (text.size() > 1 && text.back() == '.') text.remove_suffix(1);
  if (text.empty() || text.size() > 253) return false;
  size_t start = 0;
  while (start <= text.size()) {
    size_t dot = text.find('.', start);
    if (dot == std::string_view::npos) dot = text.size();
    std::string_view label = text.substr(start, dot - start);
    if (label.empty() || label.size() > 63 || label.front() == '-' || label.back() == '-') {
      return false;
    }
    for (char c : label) {
      if (!absl::ascii_isalnum(static_cast<unsigned char>(c)) && c != '-' && c != '_') return false;
    }
    start = dot + 1;
  }
  return true;
}

bool IsHttpUrl(std::string_view text) {
  std::string_view rest;
  if (text.substr(0, 7) == "http://") {
    rest = text.substr(7);
  } else if (text.substr(0, 8) == "https://") {
    rest = text.substr(8);
  } else {
    return false;
  }
  for (char c : rest) {
    // '@' would carry credentials; '?' and '#' a query or fragment.
    if (c == '@' || c == '?' || c == '#' || absl::ascii_isspace(static_cast<unsigned char>(c)) ||
        absl::ascii_iscntrl(static_cast<unsigned char>(c))) {
      return false;
    }
  }
  return IsHostPort(rest.substr(0, rest.find('/')));
}

absl::StatusOr<int64_t> ParseByteSize(std::string_view text) {
  auto invalid = [&] {
    return absl::InvalidArgumentError(absl::StrCat("invalid size \"", std::string(text), "\""));
  };
  // The grammar of docker's regexp ^(\d+(\.\d+)*) ?([kKmMgGtTpP])?[iI]?[bB]?$,
  // except that one fractional part is enough.
  size_t pos = 0;
  auto digits = [&] {
    size_t start = pos;
    while (pos < text.size() && absl::ascii_isdigit(static_cast<unsigned char>(text[pos]))) ++pos;
    return pos > start;
  };
  if (!digits()) return invalid();
  if (pos < text.size() && text[pos] == '.') {
    ++pos;
    if (!digits()) return invalid();
  }
  std::string number(text.substr(0, pos));
  if (pos < text.size() && text[pos] == ' ') ++pos;
  double multiplier = 1;
  if (pos < text.size()) {
    static constexpr std::string_view kUnits = "kmgtp";  // 2^10, 2^20...
    size_t unit = kUnits.find(absl::ascii_tolower(static_cast<unsigned char>(text[pos])));
    if (unit != std::string_view::npos) {
      multiplier = std::ldexp(1.0, 10 * static_cast<int>(unit + 1));
      ++pos;
    }
  }
  if (pos < text.size() && absl::ascii_tolower(static_cast<unsigned char>(text[pos])) == 'i') ++pos;
  if (pos < text.size() && absl::ascii_tolower(static_cast<unsigned char>(text[pos])) == 'b') ++pos;
  if (pos != text.size()) return invalid();
  double value = 0;
  if (!absl::SimpleAtod(number, &value)) return invalid();
  double bytes = value * multiplier;
  // 2^63 itself does not fit in int64_t.
  if (!std::isfinite(bytes) || bytes >= 0x1p63) return invalid();
  return static_cast<int64_t>(bytes);
}

bool IsRlimitName(std::string_view name) {
  static constexpr std::string_view kNames[] = {
      "core",   "cpu",   "data", "fsize",  "locks",  "memlock",    "msgqueue", "nice",
      "nofile", "nproc", "rss",  "rtprio", "rttime", "sigpending", "stack"};
  for (std::string_view known : kNames) {
    if (name == known) return true;
  }
  return false;
}

}  // namespace berth::config
