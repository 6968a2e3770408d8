#include "cli/commands/container_parse.h"

#include <algorithm>
#include <limits>
#include <set>

#include "absl/strings/ascii.h"
#include "absl/strings/match.h"
#include "absl/strings/numbers.h"
#include "absl/strings/str_cat.h"
#include "absl/strings/str_join.h"
#include "absl/strings/str_split.h"
#include "absl/strings/strip.h"
#include "cli/commands/container_format.h"
#include "services/common/base/time_arg.h"

namespace berth::cli {
namespace {

absl::Status Invalid(const std::string& message) { return absl::InvalidArgumentError(message); }

bool AllDigits(absl::string_view text) {
  if (text.empty()) return false;
  for (char c : text) {
    if (!absl::ascii_isdigit(static_cast<unsigned char>(c))) return false;
  }
  return true;
}

google::protobuf::Timestamp ToTimestamp(absl::Time time) {
  google::protobuf::Timestamp out;
  int64_t seconds = absl::ToUnixSeconds(time);
  out.set_seconds(seconds);
  out.set_nanos(static_cast<int32_t>(
      absl::ToInt64Nanoseconds(time - absl::FromUnixSeconds(seconds))));
  return out;
}

// The lines of an env or label file as docker's parseKeyValueFile reads them.
absl::StatusOr<std::vector<std::string>> ParseKeyValueLines(const std::string& content,
                                                            const EnvLookup* lookup) {
  std::vector<std::string> out;
  std::string text = content;
  if (absl::StartsWith(text, "\xEF\xBB\xBF")) text = text.substr(3);
  std::vector<std::string> lines = absl::StrSplit(text, '\n');
  for (std::string line : lines) {
    if (!line.empty() && line.back() == '\r') line.pop_back();
    line = std::string(absl::StripLeadingAsciiWhitespace(line));
    if (line.empty() || line[0] == '#') continue;
    size_t eq = line.find('=');
    std::string variable = line.substr(0, eq);
    variable.erase(0, variable.find_first_not_of(" \t"));
    if (variable.find_first_of(" \t") != std::string::npos) {
      return Invalid(absl::StrCat("poorly formatted environment: variable '", variable,
                                  "' contains whitespaces"));
    }
    if (variable.empty()) {
      return Invalid(absl::StrCat("poorly formatted environment: no variable name on line '",
                                  line, "'"));
    }
    if (eq != std::string::npos) {
      out.push_back(variable + "=" + line.substr(eq + 1));
    } else if (lookup != nullptr) {
      if (std::optional<std::string> value = (*lookup)(line)) {
        out.push_back(std::string(absl::StripAsciiWhitespace(variable)) + "=" + *value);
      }
    }
  }
  return out;
}

}  // namespace

absl::StatusOr<int64_t> ParseGoInt(const std::string& text, int bits) {
  absl::string_view digits(text);
  bool negative = absl::ConsumePrefix(&digits, "-");
  if (!negative) absl::ConsumePrefix(&digits, "+");
  if (!AllDigits(digits)) {
    return Invalid(absl::StrCat("strconv.ParseInt: parsing ", GoQuote(text), ": invalid syntax"));
  }
  int64_t value = 0;
  int64_t limit = bits >= 64 ? std::numeric_limits<int64_t>::max() : (int64_t{1} << (bits - 1)) - 1;
  bool ok = absl::SimpleAtoi(text, &value) && value <= limit && value >= -limit - 1;
  if (!ok) {
    return Invalid(absl::StrCat("strconv.ParseInt: parsing ", GoQuote(text), ": value out of range"));
  }
  return value;
}

absl::StatusOr<uint64_t> ParseGoUint(const std::string& text, int bits) {
  if (!AllDigits(text)) {
    return Invalid(absl::StrCat("strconv.ParseUint: parsing ", GoQuote(text), ": invalid syntax"));
  }
  uint64_t value = 0;
  uint64_t limit = bits >= 64 ? std::numeric_limits<uint64_t>::max() : (uint64_t{1} << bits) - 1;
  if (!absl::SimpleAtoi(text, &value) || value > limit) {
    return Invalid(absl::StrCat("strconv.ParseUint: parsing ", GoQuote(text), ": value out of range"));
  }
  return value;
}

absl::StatusOr<bool> ParseGoBool(const std::string& text) {
  static const std::set<std::string> kTrue = {"1", "t", "T", "TRUE", "true", "True"};
  static const std::set<std::string> kFalse = {"0", "f", "F", "FALSE", "false", "False"};
  if (kTrue.count(text)) return true;
  if (kFalse.count(text)) return false;
  return Invalid(absl::StrCat("strconv.ParseBool: parsing ", GoQuote(text), ": invalid syntax"));
}

absl::StatusOr<absl::Duration> ParseGoDuration(const std::string& text) {
  absl::Duration duration;
  if (text != "inf" && text != "-inf" && absl::ParseDuration(text, &duration)) return duration;
  // Go's wording: a number without a unit, an unknown unit, or neither.
  absl::string_view rest(text);
  if (!absl::ConsumePrefix(&rest, "-")) absl::ConsumePrefix(&rest, "+");
  size_t number = rest.find_first_not_of("0123456789.");
  if (!rest.empty() && number > 0 && rest.substr(0, number) != ".") {
    if (number == absl::string_view::npos) {
      return Invalid(absl::StrCat("time: missing unit in duration ", GoQuote(text)));
    }
    absl::string_view unit = rest.substr(number, rest.substr(number).find_first_of("0123456789."));
    static const std::set<std::string> kUnits = {"ns", "us", "µs", "μs", "ms", "s", "m", "h"};
    if (kUnits.count(std::string(unit)) == 0) {
      return Invalid(absl::StrCat("time: unknown unit ", GoQuote(unit), " in duration ", GoQuote(text)));
    }
  }
  return Invalid(absl::StrCat("time: invalid duration ", GoQuote(text)));
}

absl::StatusOr<int64_t> ParseMemoryBytes(const std::string& text) {
  // ^(\d+(\.\d+)*) ?([kKmMgGtTpP])?[iI]?[bB]?$
  size_t i = 0;
  auto digits = [&] {
    size_t start = i;
    while (i < text.size() && absl::ascii_isdigit(static_cast<unsigned char>(text[i]))) ++i;
    return i > start;
  };
  absl::Status invalid = Invalid(absl::StrCat("invalid size: '", text, "'"));
  if (!digits()) return invalid;
  while (i < text.size() && text[i] == '.') {
    ++i;
    if (!digits()) return invalid;
  }
  std::string number = text.substr(0, i);
  if (i < text.size() && text[i] == ' ') ++i;
  char unit = 0;
  if (i < text.size() && std::string("kKmMgGtTpP").find(text[i]) != std::string::npos) {
    unit = absl::ascii_tolower(static_cast<unsigned char>(text[i++]));
  }
  if (i < text.size() && (text[i] == 'i' || text[i] == 'I')) ++i;
  if (i < text.size() && (text[i] == 'b' || text[i] == 'B')) ++i;
  if (i != text.size()) return invalid;
  double size = 0;
  if (!absl::SimpleAtod(number, &size) || std::count(number.begin(), number.end(), '.') > 1) {
    return Invalid(absl::StrCat("strconv.ParseFloat: parsing ", GoQuote(number), ": invalid syntax"));
  }
  static const std::string kUnits = "kmgtp";
  if (unit != 0) {
    for (size_t power = 0; power <= kUnits.find(unit); ++power) size *= 1024;
  }
  return static_cast<int64_t>(size);
}

absl::StatusOr<int64_t> ParseMemorySwap(const std::string& text) {
  if (text == "-1") return -1;
  return ParseMemoryBytes(text);
}

absl::StatusOr<int64_t> ParseNanoCpus(const std::string& text) {
  absl::string_view rest(text);
  bool negative = absl::ConsumePrefix(&rest, "-");
  if (!negative) absl::ConsumePrefix(&rest, "+");
  std::vector<std::string> parts = absl::StrSplit(rest, absl::MaxSplits('.', 1));
  bool ok = !parts[0].empty() || (parts.size() == 2 && !parts[1].empty());
  for (const std::string& part : parts) ok = ok && (part.empty() || AllDigits(part));
  if (!ok) return Invalid(absl::StrCat("failed to parse ", text, " as a rational number"));
  std::string fraction = parts.size() == 2 ? parts[1] : "";
  while (fraction.size() > 9 && fraction.back() == '0') fraction.pop_back();
  if (fraction.size() > 9) return Invalid("value is too precise");
  fraction.resize(9, '0');
  int64_t whole = 0, nanos = 0;
  if ((!parts[0].empty() && !absl::SimpleAtoi(parts[0], &whole)) ||
      !absl::SimpleAtoi(fraction, &nanos) || whole > std::numeric_limits<int64_t>::max() / 1000000000 - 1) {
    return Invalid(absl::StrCat("failed to parse ", text, " as a rational number"));
  }
  int64_t value = whole * 1000000000 + nanos;
  return negative ? -value : value;
}

absl::StatusOr<berth::tasks::v1::RestartPolicy> ParseRestartPolicy(const std::string& text) {
  berth::tasks::v1::RestartPolicy policy;
  if (text.empty()) return policy;
  size_t colon = text.find(':');
  std::string name = text.substr(0, colon);
  if (colon != std::string::npos && name.empty()) {
    return Invalid("invalid restart policy format: no policy provided before colon");
  }
  if (colon != std::string::npos) {
    std::string count = text.substr(colon + 1);
    int64_t retries = 0;
    if (!count.empty()) {
      auto parsed = ParseGoInt(count, 32);
      if (!parsed.ok()) {
        return Invalid("invalid restart policy format: maximum retry count must be an integer");
      }
      retries = *parsed;
    }
    if (name != "on-failure" && retries != 0) {
      return Invalid("invalid restart policy: maximum retry count can only be used with 'on-failure'");
    }
    if (retries < 0) return Invalid("invalid restart policy: maximum retry count cannot be negative");
    policy.set_maximum_retry_count(static_cast<int32_t>(retries));
  }
  if (name != "no" && name != "always" && name != "on-failure" && name != "unless-stopped") {
    return Invalid(absl::StrCat("invalid restart policy: unknown policy '", name,
                                "'; use one of 'no', 'always', 'on-failure', or 'unless-stopped'"));
  }
  policy.set_name(name);
  return policy;
}

absl::StatusOr<berth::tasks::v1::Ulimit> ParseUlimit(const std::string& text) {
  static const std::set<std::string> kNames = {
      "core",   "cpu",  "data", "fsize", "locks",  "memlock",    "msgqueue", "nice",
      "nofile", "nproc", "rss", "rtprio", "rttime", "sigpending", "stack"};
  size_t eq = text.find('=');
  if (eq == std::string::npos) return Invalid(absl::StrCat("invalid ulimit argument: ", text));
  std::string name = text.substr(0, eq);
  if (!kNames.count(name)) return Invalid(absl::StrCat("invalid ulimit type: ", name));
  std::vector<std::string> values = absl::StrSplit(text.substr(eq + 1), ':');
  if (values.size() > 2) {
    return Invalid(absl::StrCat("too many limit value arguments - ", text.substr(eq + 1),
                                ", can only have up to two, `soft[:hard]`"));
  }
  berth::tasks::v1::Ulimit ulimit;
  ulimit.set_name(name);
  auto soft = ParseGoInt(values[0]);
  if (values.size() == 2) {
    auto hard = ParseGoInt(values[1]);
    if (!hard.ok()) return hard.status();
    ulimit.set_hard(*hard);
  }
  if (!soft.ok()) return soft.status();
  ulimit.set_soft(*soft);
  if (values.size() == 1) ulimit.set_hard(*soft);
  if (ulimit.hard() != -1 && ulimit.soft() > ulimit.hard()) {
    return Invalid(absl::StrCat("ulimit soft limit must be less than or equal to hard limit: ",
                                ulimit.soft(), " > ", ulimit.hard()));
  }
  return ulimit;
}

absl::StatusOr<std::string> ParseEnvFlag(const std::string& text, const EnvLookup& lookup) {
  size_t eq = text.find('=');
  std::string key = text.substr(0, eq);
  if (key.empty()) return Invalid(absl::StrCat("invalid environment variable: ", text));
  if (eq != std::string::npos) return text;
  if (std::optional<std::string> value = lookup(key)) return key + "=" + *value;
  return text;
}

absl::StatusOr<std::vector<std::string>> ParseEnvFile(const std::string& content,
                                                      const EnvLookup& lookup) {
  return ParseKeyValueLines(content, &lookup);
}

absl::StatusOr<std::pair<std::string, std::string>> ParseLabel(const std::string& text) {
  size_t eq = text.find('=');
  std::string key = text.substr(0, eq);
  if (absl::StripAsciiWhitespace(key).empty()) {
    return Invalid(absl::StrCat("invalid label '", text, "': empty name"));
  }
  return std::make_pair(key, eq == std::string::npos ? std::string() : text.substr(eq + 1));
}

absl::StatusOr<berth::types::v1::Platform> ParsePlatform(const std::string& text) {
  static const std::set<std::string> kOs = {"linux", "windows", "darwin", "freebsd"};
  static const std::map<std::string, std::string> kArch = {
      {"amd64", "amd64"},     {"x86_64", "amd64"},   {"x86-64", "amd64"}, {"386", "386"},
      {"i386", "386"},        {"arm", "arm"},        {"armhf", "arm"},    {"armel", "arm"},
      {"arm64", "arm64"},     {"aarch64", "arm64"},  {"ppc64le", "ppc64le"}, {"s390x", "s390x"},
      {"riscv64", "riscv64"}, {"mips64le", "mips64le"}, {"mips64", "mips64"}, {"loong64", "loong64"}};
  std::vector<std::string> parts = absl::StrSplit(absl::AsciiStrToLower(text), '/');
  absl::Status unknown = Invalid(absl::StrCat(GoQuote(text),
                                              ": unknown operating system or architecture: invalid argument"));
  berth::types::v1::Platform platform;
  if (parts.size() == 1) {
    if (kOs.count(parts[0])) {
      platform.set_os(parts[0]);
    } else if (kArch.count(parts[0])) {
      platform.set_os("linux");
      platform.set_architecture(kArch.at(parts[0]));
    } else {
      return unknown;
    }
    return platform;
  }
  if (parts.size() > 3 || !kOs.count(parts[0]) || !kArch.count(parts[1])) return unknown;
  platform.set_os(parts[0]);
  platform.set_architecture(kArch.at(parts[1]));
  if (parts.size() == 3) platform.set_variant(parts[2]);
  return platform;
}

absl::StatusOr<google::protobuf::Timestamp> ParseTimeArg(const std::string& text, absl::Time now) {
  auto time = berth::ParseTimeArg(text, now);
  if (!time.ok()) {
    return Invalid(absl::StrCat("failed to parse value as time or duration: ", GoQuote(text)));
  }
  return ToTimestamp(*time);
}

absl::StatusOr<std::pair<std::string, std::string>> ParseFilter(const std::string& text) {
  size_t eq = text.find('=');
  if (eq == std::string::npos) return Invalid("bad format of filter (expected name=value)");
  return std::make_pair(absl::AsciiStrToLower(absl::StripAsciiWhitespace(text.substr(0, eq))),
                        std::string(absl::StripAsciiWhitespace(text.substr(eq + 1))));
}

}  // namespace berth::cli
