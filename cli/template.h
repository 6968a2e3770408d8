#ifndef BERTH_CLI_TEMPLATE_H_
#define BERTH_CLI_TEMPLATE_H_

// Go text/template, as docker's --format uses it, over JSON data.
//
// Supported: text and {{actions}} with {{- trim markers -}} and comments;
// fields (.A.B), $variables ($ is the data; $x := / $x =), literals (strings,
// raw strings, numbers, chars, true/false/nil), pipelines with |,
// parenthesized pipelines with field chains ((index .X 0).Y);
// if/else if/else, with/else, range (arrays, maps by sorted key, $i, $v :=,
// else, break, continue); Go's builtin functions and docker's (see
// template_funcs.h). Not supported: define/template/block (one anonymous
// template is all --format has) and call.
//
// Values print as Go's fmt %v does (strings raw, [a b], map[k:v]); a missing
// map key prints <no value>, a field an object does not have is an error when
// the object looks like one of docker's structs (see template_exec.h's
// Missing; ExecuteInspect knows docker's nullable fields by name).

#include <memory>
#include <string>

#include "absl/status/statusor.h"
#include "absl/strings/string_view.h"
#include "nlohmann/json.hpp"

namespace berth::cli {

namespace gotmpl {
struct Node;
}  // namespace gotmpl

struct TemplateOptions {
  // \n and \t written in text outside actions become newline and tab, as
  // docker's CLI does for --format (the shell passes them literally).
  bool expand_text_escapes = false;
  // Executes for a table's header row (see FindHeaderFunction in
  // template_funcs.h).
  bool header_functions = false;
};

class Template {
 public:
  // Errors read as Go's: "template: :1: unclosed action".
  static absl::StatusOr<Template> Parse(absl::string_view text, TemplateOptions options = {});

  // Errors read as Go's: template: :1:2: executing "" at <.A>: ...
  absl::StatusOr<std::string> Execute(const nlohmann::json& data) const;

  // As docker inspect --format: first over the object as docker's typed
  // structs hold it (a field JSON leaves out is its Go zero value, so a
  // container without a health check has a nil State.Health: false in if,
  // printed <nil>), and when that fails, over the raw JSON with
  // missingkey=error, whose result or error is the answer ("map has no
  // entry for key \"Health\"" for .State.Health.Status there).
  absl::StatusOr<std::string> ExecuteInspect(const nlohmann::json& data) const;

 private:
  Template() = default;

  std::string source_;
  TemplateOptions options_;
  std::shared_ptr<const std::vector<gotmpl::Node>> tree_;
};

}  // namespace berth::cli

#endif  // BERTH_CLI_TEMPLATE_H_
