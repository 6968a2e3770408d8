#include "services/builder/dispatch/stop_signal.h"

#include <set>

#include "absl/strings/ascii.h"
#include "absl/strings/match.h"
#include "absl/strings/numbers.h"
#include "absl/strings/str_cat.h"
#include "absl/strings/strip.h"

namespace berth::builder {
namespace {

// docker's signal.SignalMap for Linux, names without "SIG".
const std::set<std::string>& SignalNames() {
  static const std::set<std::string>* names = [] {
    auto* set = new std::set<std::string>{
        "ABRT", "ALRM", "BUS",    "CHLD", "CLD",  "CONT", "FPE",  "HUP",
        "ILL",  "INT",  "IO",     "IOT",  "KILL", "PIPE", "POLL", "PROF",
        "PWR",  "QUIT", "SEGV",   "STKFLT", "STOP", "SYS", "TERM", "TRAP",
        "TSTP", "TTIN", "TTOU",   "URG",  "USR1", "USR2", "VTALRM", "WINCH",
        "XCPU", "XFSZ", "RTMIN",  "RTMAX"};
    for (int i = 1; i <= 15; ++i) set->insert(absl::StrCat("RTMIN+", i));
    for (int i = 1; i <= 14; ++i) set->insert(absl::StrCat("RTMAX-", i));
    return set;
  }();
  return *names;
}

}  // namespace

absl::Status CheckStopSignal(const std::string& signal) {
  // Go's strconv.Atoi: any non-zero int, sign allowed, is accepted.
  // absl's SimpleAtoi would also take surrounding blanks; Go's does not.
  bool digits = !signal.empty();
  for (size_t i = 0; i < signal.size(); ++i) {
    bool sign = i == 0 && (signal[i] == '+' || signal[i] == '-');
    digits = digits && (sign || absl::ascii_isdigit(signal[i]));
  }
  int64_t number = 0;
  if (digits && absl::SimpleAtoi(signal, &number)) {
    if (number == 0) {
      return absl::InvalidArgumentError(
          absl::StrCat("invalid signal: ", signal));
    }
    return absl::OkStatus();
  }
  std::string name = absl::AsciiStrToUpper(signal);
  absl::string_view stripped = name;
  absl::ConsumePrefix(&stripped, "SIG");
  if (SignalNames().count(std::string(stripped)) == 0) {
    return absl::InvalidArgumentError(absl::StrCat("invalid signal: ", signal));
  }
  return absl::OkStatus();
}

}  // namespace berth::builder
