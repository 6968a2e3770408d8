#include "cli/template_error.h"

#include <algorithm>
#include <string>

#include "absl/strings/str_cat.h"

namespace berth::cli::gotmpl {
namespace {

size_t LineOf(absl::string_view source, size_t pos) {
  pos = std::min(pos, source.size());
  return 1 + static_cast<size_t>(std::count(source.begin(), source.begin() + pos, '\n'));
}

// Byte offset of pos within its line, counted from 0 as Go does.
size_t ColumnOf(absl::string_view source, size_t pos) {
  pos = std::min(pos, source.size());
  size_t newline = source.substr(0, pos).rfind('\n');
  return newline == absl::string_view::npos ? pos : pos - newline - 1;
}

}  // namespace

absl::Status ParseError(absl::string_view source, size_t pos, absl::string_view message) {
  return absl::InvalidArgumentError(absl::StrCat("template: :", LineOf(source, pos), ": ", message));
}

absl::Status ExecError(absl::string_view source, size_t pos, absl::string_view context,
                       absl::string_view message) {
  // The whole node, as Go has shown it since it stopped cutting it at 20
  // characters (the docker 28 CLI's).
  return absl::InvalidArgumentError(absl::StrCat("template: :", LineOf(source, pos), ":",
                                                 ColumnOf(source, pos), ": executing \"\" at <",
                                                 context, ">: ", message));
}

}  // namespace berth::cli::gotmpl
