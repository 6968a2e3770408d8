#ifndef BERTH_CLI_TEMPLATE_PRINTF_H_
#define BERTH_CLI_TEMPLATE_PRINTF_H_

// Go's fmt.Sprint, Sprintln and Sprintf over JSON values: the template
// functions print, println and printf.

#include <string>
#include <vector>

#include "absl/strings/string_view.h"
#include "nlohmann/json.hpp"

namespace berth::cli::gotmpl {

// Spaces between operands when neither side is a string.
std::string GoSprint(const std::vector<nlohmann::json>& args);

// Spaces between all operands and a newline at the end.
std::string GoSprintln(const std::vector<nlohmann::json>& args);

// Verbs v s q d t f e g x X o b c with flags, width and precision. Mistakes
// print as Go prints them: %!d(string=abc), %!s(MISSING), %!(EXTRA int=1).
std::string GoSprintf(absl::string_view format, const std::vector<nlohmann::json>& args);

}  // namespace berth::cli::gotmpl

#endif  // BERTH_CLI_TEMPLATE_PRINTF_H_
