#ifndef BERTH_CLI_TEMPLATE_PARSER_H_
#define BERTH_CLI_TEMPLATE_PARSER_H_

// Builds the tree of a Go text/template from its tokens, with Go's checks
// done at parse time: unknown functions, undefined variables, unbalanced
// {{end}}, {{break}} outside {{range}}.

#include <vector>

#include "absl/status/statusor.h"
#include "absl/strings/string_view.h"
#include "cli/template_ast.h"
#include "cli/template_lexer.h"

namespace berth::cli::gotmpl {

// source is the text the tokens came from (for error positions and the
// node texts shown in execution errors).
absl::StatusOr<NodeList> ParseTokens(absl::string_view source, std::vector<Token> tokens);

}  // namespace berth::cli::gotmpl

#endif  // BERTH_CLI_TEMPLATE_PARSER_H_
