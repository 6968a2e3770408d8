#ifndef BERTH_CLI_TEMPLATE_LEXER_H_
#define BERTH_CLI_TEMPLATE_LEXER_H_

// Splits a Go text/template into tokens: literal text between actions, and
// the words of each {{action}}. Trim markers ("{{- " and " -}}") and comments
// are handled here, so the parser never sees them.

#include <cstddef>
#include <string>
#include <vector>

#include "absl/status/status.h"
#include "absl/strings/string_view.h"

namespace berth::cli::gotmpl {

enum class TokenKind {
  kText,        // literal text outside actions
  kLeftDelim,   // {{
  kRightDelim,  // }}
  kSpace,       // spaces separate the arguments of a command
  kDot,         // .
  kField,       // .Name (value is "Name")
  kVariable,    // $ or $name (value includes the $)
  kIdentifier,  // function names and keywords (if, range, true, nil, ...)
  kString,      // "quoted" or `raw` (value is unquoted)
  kNumber,      // 12, -1.5, 0x1f, 'a' (value is the literal; a char is its code)
  kPipe,        // |
  kLeftParen,
  kRightParen,
  kDeclare,  // :=
  kAssign,   // =
  kComma,
  kChar,   // any other printable character: the parser says it is unexpected
  kEof,
  kError,  // the lexer stopped here; value is the message
};

struct Token {
  TokenKind kind;
  size_t pos;  // byte offset in the source, for error positions
  size_t end;  // one past the last source byte of the token
  std::string value;
};

// expand_text_escapes turns the two-character sequences \n and \t in text
// outside actions into newline and tab, as docker's CLI does with --format.
// The tokens end with kEof, or with kError where the input is malformed: as
// in Go, a parse error met before that point is the one reported.
std::vector<Token> Lex(absl::string_view source, bool expand_text_escapes);

}  // namespace berth::cli::gotmpl

#endif  // BERTH_CLI_TEMPLATE_LEXER_H_
