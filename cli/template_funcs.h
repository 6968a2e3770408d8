#ifndef BERTH_CLI_TEMPLATE_FUNCS_H_
#define BERTH_CLI_TEMPLATE_FUNCS_H_

// The functions a template can call: Go's builtins (and, or, not, len,
// index, slice, print, printf, println, html, js, urlquery, eq, ne, lt, le,
// gt, ge; not call, which needs Go functions in the data) and the ones
// docker's CLI adds (json, split, join, title, lower, upper, pad, truncate).

#include <functional>
#include <vector>

#include "absl/status/statusor.h"
#include "absl/strings/string_view.h"
#include "cli/template_value.h"

namespace berth::cli::gotmpl {

struct Function {
  size_t min_args;
  size_t max_args;  // kVariadic: no limit
  // An InvalidArgument error is a wrong argument type and is shown as is
  // ("wrong type for value; expected string; got int"); any other error is
  // the function failing, shown as "error calling NAME: ...", as Go does.
  std::function<absl::StatusOr<Value>(const std::vector<Value>& args)> call;
};

inline constexpr size_t kVariadic = static_cast<size_t>(-1);

// nullptr for an unknown name.
const Function* FindFunction(absl::string_view name);

// For a table's header row, as docker's HeaderFunctions: json, split, join,
// title, lower, upper and truncate give back the column name they are passed,
// so "table {{lower .Names}}" keeps the header NAMES. Others as FindFunction.
const Function* FindHeaderFunction(absl::string_view name);

}  // namespace berth::cli::gotmpl

#endif  // BERTH_CLI_TEMPLATE_FUNCS_H_
