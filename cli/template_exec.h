#ifndef BERTH_CLI_TEMPLATE_EXEC_H_
#define BERTH_CLI_TEMPLATE_EXEC_H_

// Runs a parsed template over JSON data with Go's text/template semantics.

#include <string>

#include "absl/status/statusor.h"
#include "absl/strings/string_view.h"
#include "cli/template_ast.h"
#include "nlohmann/json.hpp"

namespace berth::cli::gotmpl {

// What a name the data does not have means.
enum class Missing {
  // A missing key of a map is <no value>; of an object that looks like one
  // of docker's structs (every key an exported Go name), an error.
  kGuessStruct,
  // As kGuessStruct, and the fields docker's typed structs have even where
  // JSON has them null or left out (template_docker_fields.h) are there, as
  // Go zero values: docker inspect's first run, over its typed structs.
  kDockerTyped,
  // Go's missingkey=error over map[string]interface{}: any missing key is an
  // error (docker inspect's second run, over the raw JSON).
  kError,
};

struct ExecOptions {
  // docker's table-header variants of its functions.
  bool header_functions = false;
  Missing missing = Missing::kGuessStruct;
};

// source is the template text the tree was parsed from (for error positions).
absl::StatusOr<std::string> ExecuteTree(absl::string_view source, const NodeList& tree,
                                        const nlohmann::json& data, ExecOptions options = {});

}  // namespace berth::cli::gotmpl

#endif  // BERTH_CLI_TEMPLATE_EXEC_H_
