#ifndef BERTH_CLI_TEMPLATE_ERROR_H_
#define BERTH_CLI_TEMPLATE_ERROR_H_

// Errors worded as Go's text/template words them, so scripts and users that
// know docker's messages recognise them: "template: :1: unclosed action" when
// parsing, "template: :1:2: executing "" at <.Foo>: ..." when executing.

#include <cstddef>

#include "absl/status/status.h"
#include "absl/strings/string_view.h"

namespace berth::cli::gotmpl {

absl::Status ParseError(absl::string_view source, size_t pos, absl::string_view message);

// context is the source text of the node being evaluated, shown whole.
absl::Status ExecError(absl::string_view source, size_t pos, absl::string_view context,
                       absl::string_view message);

}  // namespace berth::cli::gotmpl

#endif  // BERTH_CLI_TEMPLATE_ERROR_H_
