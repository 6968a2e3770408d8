#ifndef BERTH_CLI_TEMPLATE_EXEC_H_
#define BERTH_CLI_TEMPLATE_EXEC_H_

// Runs a parsed template over JSON data with Go's text/template semantics.

#include <string>

#include "absl/status/statusor.h"
#include "absl/strings/string_view.h"
#include "cli/template_ast.h"
#include "nlohmann/json.hpp"

namespace berth::cli::gotmpl {

// source is the template text the tree was parsed from (for error positions).
// header_functions selects docker's table-header variants of its functions.
absl::StatusOr<std::string> ExecuteTree(absl::string_view source, const NodeList& tree,
                                        const nlohmann::json& data, bool header_functions = false);

}  // namespace berth::cli::gotmpl

#endif  // BERTH_CLI_TEMPLATE_EXEC_H_
