#include "cli/template.h"

#include "cli/template_ast.h"
#include "cli/template_exec.h"
#include "cli/template_lexer.h"
#include "cli/template_parser.h"

namespace berth::cli {

absl::StatusOr<Template> Template::Parse(absl::string_view text, TemplateOptions options) {
  Template parsed;
  parsed.source_ = std::string(text);
  parsed.options_ = options;
  absl::StatusOr<gotmpl::NodeList> tree =
      gotmpl::ParseTokens(parsed.source_, gotmpl::Lex(parsed.source_, options.expand_text_escapes));
  if (!tree.ok()) return tree.status();
  parsed.tree_ = std::make_shared<const gotmpl::NodeList>(std::move(*tree));
  return parsed;
}

absl::StatusOr<std::string> Template::Execute(const nlohmann::json& data) const {
  return gotmpl::ExecuteTree(source_, *tree_, data, {options_.header_functions, gotmpl::Missing::kGuessStruct});
}

absl::StatusOr<std::string> Template::ExecuteInspect(const nlohmann::json& data) const {
  absl::StatusOr<std::string> typed =
      gotmpl::ExecuteTree(source_, *tree_, data, {options_.header_functions, gotmpl::Missing::kDockerTyped});
  if (typed.ok()) return typed;
  return gotmpl::ExecuteTree(source_, *tree_, data, {options_.header_functions, gotmpl::Missing::kError});
}

}  // namespace berth::cli
