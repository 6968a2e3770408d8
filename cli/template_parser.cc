#include "cli/template_parser.h"

#include <algorithm>
#include <cerrno>
#include <cstdlib>
#include <optional>

#include "absl/strings/ascii.h"
#include "absl/strings/match.h"
#include "absl/strings/str_cat.h"
#include "absl/strings/str_replace.h"
#include "cli/template_error.h"
#include "cli/template_funcs.h"
#include "cli/template_value.h"

namespace berth::cli::gotmpl {
namespace {

// How a list of nodes ended.
enum class Stop { kEof, kEnd, kElse };

bool IsKeyword(absl::string_view word) {
  for (absl::string_view keyword :
       {"if", "else", "end", "range", "with", "break", "continue", "define", "template", "block"}) {
    if (word == keyword) return true;
  }
  return false;
}

// A number literal as Go's template parser reads it: integers stay integers,
// anything with a point or exponent is a float.
std::optional<nlohmann::json> ParseNumber(const std::string& literal) {
  std::string text = absl::StrReplaceAll(literal, {{"_", ""}});
  if (text.empty()) return std::nullopt;
  bool negative = text[0] == '-';
  std::string body = (text[0] == '-' || text[0] == '+') ? text.substr(1) : text;
  if (body.empty()) return std::nullopt;
  std::string lower = absl::AsciiStrToLower(body);
  int base = 10;
  std::string digits = body;
  if (absl::StartsWith(lower, "0x")) {
    base = 16;
    digits = body.substr(2);
  } else if (absl::StartsWith(lower, "0o")) {
    base = 8;
    digits = body.substr(2);
  } else if (absl::StartsWith(lower, "0b")) {
    base = 2;
    digits = body.substr(2);
  } else if (lower.find_first_of(".e") != std::string::npos) {
    char* end = nullptr;
    errno = 0;
    double value = std::strtod(text.c_str(), &end);
    if (*end != '\0' || errno == ERANGE) return std::nullopt;
    return nlohmann::json(value);
  } else if (body.size() > 1 && body[0] == '0') {
    base = 8;  // Go's legacy octal, 0755
  }
  if (digits.empty()) return std::nullopt;
  char* end = nullptr;
  errno = 0;
  unsigned long long magnitude = std::strtoull(digits.c_str(), &end, base);
  if (*end != '\0' || errno == ERANGE) return std::nullopt;
  if (!negative) {
    if (magnitude <= static_cast<unsigned long long>(INT64_MAX)) return nlohmann::json(static_cast<int64_t>(magnitude));
    return nlohmann::json(static_cast<uint64_t>(magnitude));
  }
  if (magnitude > static_cast<unsigned long long>(INT64_MAX) + 1) return std::nullopt;
  return nlohmann::json(static_cast<int64_t>(0 - magnitude));
}

class Parser {
 public:
  Parser(absl::string_view source, std::vector<Token> tokens) : source_(source), tokens_(std::move(tokens)) {}

  absl::StatusOr<NodeList> Run() {
    NodeList list;
    absl::StatusOr<Stop> stop = ItemList(&list);
    if (!stop.ok()) return stop.status();
    if (*stop == Stop::kEnd) return Error(last_pos_, "unexpected {{end}}");
    if (*stop == Stop::kElse) return Error(last_pos_, "unexpected {{else}}");
    return list;
  }

 private:
  // Once the parser has reached the lexer's error token, that error is the
  // cause of whatever went wrong.
  absl::Status Error(size_t pos, absl::string_view message) const {
    const Token& last = tokens_.back();
    if (last.kind == TokenKind::kError && index_ >= tokens_.size()) {
      return ParseError(source_, last.pos, last.value);
    }
    return ParseError(source_, pos, message);
  }

  const Token& Next() {
    const Token& token = tokens_[std::min(index_, tokens_.size() - 1)];
    if (index_ < tokens_.size()) ++index_;
    return token;
  }
  void Backup() { --index_; }
  const Token& Peek() const { return tokens_[std::min(index_, tokens_.size() - 1)]; }
  const Token& NextNonSpace() {
    while (Peek().kind == TokenKind::kSpace) Next();
    return Next();
  }
  const Token& PeekNonSpace() {
    while (Peek().kind == TokenKind::kSpace) Next();
    return Peek();
  }

  std::string SourceText(size_t begin, size_t end) const {
    return std::string(absl::StripAsciiWhitespace(source_.substr(begin, end - begin)));
  }

  // Go's description of a token in "unexpected X in Y".
  std::string Describe(const Token& token) const {
    if (token.kind == TokenKind::kEof) return "EOF";
    std::string text(source_.substr(token.pos, token.end - token.pos));
    if (token.kind == TokenKind::kIdentifier && IsKeyword(text)) return absl::StrCat("<", text, ">");
    if (text.size() > 10) return GoQuote(text.substr(0, 10)) + "...";
    return GoQuote(text);
  }

  bool IsDeclared(absl::string_view name) const {
    return std::find(variables_.begin(), variables_.end(), name) != variables_.end();
  }

  // Nodes up to {{end}}, {{else}} or the end of the input.
  absl::StatusOr<Stop> ItemList(NodeList* list) {
    while (true) {
      const Token& token = Next();
      if (token.kind == TokenKind::kEof) return Stop::kEof;
      if (token.kind == TokenKind::kText) {
        Node node;
        node.kind = Node::Kind::kText;
        node.pos = token.pos;
        node.text = token.value;
        list->push_back(std::move(node));
        continue;
      }
      // Only text and actions come outside actions.
      last_pos_ = token.pos;
      absl::StatusOr<std::optional<Stop>> stop = Action(list);
      if (!stop.ok()) return stop.status();
      if (stop->has_value()) return **stop;
    }
  }

  absl::Status ExpectRightDelim(absl::string_view context) {
    const Token& token = NextNonSpace();
    if (token.kind != TokenKind::kRightDelim) {
      return Error(token.pos, absl::StrCat("unexpected ", Describe(token), " in ", context));
    }
    return absl::OkStatus();
  }

  // After {{: a control word, or a pipeline to print. Returns the stop for
  // {{end}} and {{else}}.
  absl::StatusOr<std::optional<Stop>> Action(NodeList* list) {
    const Token& token = NextNonSpace();
    size_t pos = token.pos;
    if (token.kind == TokenKind::kIdentifier && IsKeyword(token.value)) {
      const std::string& word = token.value;
      if (word == "end") {
        absl::Status status = ExpectRightDelim("end");
        if (!status.ok()) return status;
        return std::optional<Stop>(Stop::kEnd);
      }
      if (word == "else") return std::optional<Stop>(Stop::kElse);
      if (word == "break" || word == "continue") {
        if (range_depth_ == 0) return Error(pos, absl::StrCat("{{", word, "}} outside {{range}}"));
        absl::Status status = ExpectRightDelim(word);
        if (!status.ok()) return status;
        Node node;
        node.kind = word == "break" ? Node::Kind::kBreak : Node::Kind::kContinue;
        node.pos = pos;
        list->push_back(std::move(node));
        return std::optional<Stop>();
      }
      if (word == "if" || word == "range" || word == "with") {
        Node::Kind kind = word == "if" ? Node::Kind::kIf : word == "range" ? Node::Kind::kRange : Node::Kind::kWith;
        absl::StatusOr<Node> node = Control(kind, word, pos);
        if (!node.ok()) return node.status();
        list->push_back(std::move(*node));
        return std::optional<Stop>();
      }
      return Error(pos, absl::StrCat("{{", word, "}} is not supported in --format templates"));
    }
    Backup();
    absl::StatusOr<std::unique_ptr<Pipeline>> pipeline = ParsePipeline("command", TokenKind::kRightDelim);
    if (!pipeline.ok()) return pipeline.status();
    Node node;
    node.kind = Node::Kind::kAction;
    node.pos = pos;
    node.pipeline = std::move(*pipeline);
    list->push_back(std::move(node));
    return std::optional<Stop>();
  }

  // {{if|range|with pipeline}} list [{{else}} list | {{else if ...}}] {{end}}
  absl::StatusOr<Node> Control(Node::Kind kind, const std::string& word, size_t pos) {
    size_t variables_mark = variables_.size();
    Node node;
    node.kind = kind;
    node.pos = pos;
    absl::StatusOr<std::unique_ptr<Pipeline>> pipeline = ParsePipeline(word, TokenKind::kRightDelim);
    if (!pipeline.ok()) return pipeline.status();
    node.pipeline = std::move(*pipeline);
    if (kind == Node::Kind::kRange) ++range_depth_;
    absl::StatusOr<Stop> stop = ItemList(&node.list);
    if (kind == Node::Kind::kRange) --range_depth_;
    if (!stop.ok()) return stop.status();
    if (*stop == Stop::kEof) return Error(source_.size(), "unexpected EOF");
    if (*stop == Stop::kElse) {
      const Token& next = PeekNonSpace();
      // {{else if ...}} and {{else with ...}} chain: the inner one's {{end}}
      // closes both, as in Go.
      if (kind != Node::Kind::kRange && next.kind == TokenKind::kIdentifier && next.value == word) {
        size_t else_pos = next.pos;
        Next();
        absl::StatusOr<Node> chained = Control(kind, word, else_pos);
        if (!chained.ok()) return chained.status();
        node.else_list.push_back(std::move(*chained));
      } else {
        absl::Status status = ExpectRightDelim("else");
        if (!status.ok()) return status;
        absl::StatusOr<Stop> else_stop = ItemList(&node.else_list);
        if (!else_stop.ok()) return else_stop.status();
        if (*else_stop == Stop::kEof) return Error(source_.size(), "unexpected EOF");
        if (*else_stop == Stop::kElse) return Error(last_pos_, "expected end; found {{else}}");
      }
    }
    variables_.resize(variables_mark);
    return node;
  }

  // [$x :=|=] command [| command]... up to end (}} or a closing paren).
  absl::StatusOr<std::unique_ptr<Pipeline>> ParsePipeline(absl::string_view context, TokenKind end) {
    auto pipeline = std::make_unique<Pipeline>();
    pipeline->pos = PeekNonSpace().pos;
    absl::Status status = Declarations(context, pipeline.get());
    if (!status.ok()) return status;
    while (true) {
      const Token& token = NextNonSpace();
      if (token.kind == end) {
        // Go accepts a trailing | ("{{.A |}}"), so scripts may rely on it.
        if (pipeline->commands.empty()) {
          return Error(token.pos, absl::StrCat("missing value for ", context));
        }
        for (size_t i = 1; i < pipeline->commands.size(); ++i) {
          Operand::Kind first = pipeline->commands[i].args[0].kind;
          if (first == Operand::Kind::kBool || first == Operand::Kind::kDot || first == Operand::Kind::kNil ||
              first == Operand::Kind::kNumber || first == Operand::Kind::kString) {
            return Error(pipeline->commands[i].pos,
                         absl::StrCat("non executable command in pipeline stage ", i + 1));
          }
        }
        pipeline->text = SourceText(pipeline->pos, token.pos);
        return pipeline;
      }
      switch (token.kind) {
        case TokenKind::kDot:
        case TokenKind::kField:
        case TokenKind::kVariable:
        case TokenKind::kIdentifier:
        case TokenKind::kString:
        case TokenKind::kNumber:
        case TokenKind::kLeftParen: {
          Backup();
          absl::StatusOr<Command> command = ParseCommand();
          if (!command.ok()) return command.status();
          pipeline->commands.push_back(std::move(*command));
          break;
        }
        default:
          return Error(token.pos, absl::StrCat("unexpected ", Describe(token), " in ", context));
      }
    }
  }

  absl::Status Declarations(absl::string_view context, Pipeline* pipeline) {
    while (true) {
      size_t start = index_;
      const Token& variable = NextNonSpace();
      if (variable.kind != TokenKind::kVariable) {
        index_ = start;
        return absl::OkStatus();
      }
      const Token& next = NextNonSpace();
      if (next.kind == TokenKind::kDeclare || next.kind == TokenKind::kAssign) {
        pipeline->is_assignment = next.kind == TokenKind::kAssign;
        if (pipeline->is_assignment && !IsDeclared(variable.value)) {
          return Error(variable.pos, absl::StrCat("undefined variable \"", variable.value, "\""));
        }
        pipeline->declarations.push_back(variable.value);
        if (!pipeline->is_assignment) variables_.push_back(variable.value);
        return absl::OkStatus();
      }
      if (next.kind == TokenKind::kComma) {
        pipeline->declarations.push_back(variable.value);
        variables_.push_back(variable.value);
        if (context != "range") return Error(next.pos, absl::StrCat("too many declarations in ", context));
        if (pipeline->declarations.size() >= 2) return Error(next.pos, "too many declarations in range");
        if (PeekNonSpace().kind != TokenKind::kVariable) return Error(next.pos, "range can only initialize variables");
        continue;
      }
      if (!pipeline->declarations.empty()) {
        return Error(next.pos, absl::StrCat("unexpected ", Describe(next), " in ", context));
      }
      index_ = start;  // a variable used as a value
      return absl::OkStatus();
    }
  }

  // Operands separated by spaces, ending at }}, ) or after |.
  absl::StatusOr<Command> ParseCommand() {
    Command command;
    command.pos = PeekNonSpace().pos;
    size_t end = command.pos;
    while (true) {
      PeekNonSpace();
      absl::StatusOr<std::optional<Operand>> operand = ParseOperand();
      if (!operand.ok()) return operand.status();
      if (operand->has_value()) {
        end = (*operand)->pos + (*operand)->text.size();
        command.args.push_back(std::move(**operand));
      }
      const Token& token = Next();
      if (token.kind == TokenKind::kSpace) continue;
      if (token.kind == TokenKind::kRightDelim || token.kind == TokenKind::kRightParen) {
        Backup();
      } else if (token.kind != TokenKind::kPipe) {
        return Error(token.pos, absl::StrCat("unexpected ", Describe(token), " in operand"));
      }
      break;
    }
    if (command.args.empty()) return Error(command.pos, "empty command");
    command.text = SourceText(command.pos, end);
    return command;
  }

  // A term followed by .Field.Chain without spaces.
  absl::StatusOr<std::optional<Operand>> ParseOperand() {
    absl::StatusOr<std::optional<Operand>> term = ParseTerm();
    if (!term.ok() || !term->has_value()) return term;
    Operand& operand = **term;
    size_t end = operand.pos + operand.text.size();
    operand.node_pos = operand.pos;
    if (Peek().kind == TokenKind::kField) {
      operand.node_pos = Peek().pos;
      switch (operand.kind) {
        case Operand::Kind::kBool:
        case Operand::Kind::kString:
        case Operand::Kind::kNumber:
        case Operand::Kind::kNil:
        case Operand::Kind::kDot:
          return Error(Peek().pos, absl::StrCat("unexpected . after term ", GoQuote(operand.text)));
        default:
          break;
      }
      while (Peek().kind == TokenKind::kField) {
        end = Peek().end;
        operand.fields.push_back(Next().value);
      }
    }
    operand.text = std::string(source_.substr(operand.pos, end - operand.pos));
    return term;
  }

  absl::StatusOr<std::optional<Operand>> ParseTerm() {
    const Token& token = Next();
    Operand operand;
    operand.pos = token.pos;
    switch (token.kind) {
      case TokenKind::kIdentifier:
        if (token.value == "true" || token.value == "false") {
          operand.kind = Operand::Kind::kBool;
          operand.literal = token.value == "true";
        } else if (token.value == "nil") {
          operand.kind = Operand::Kind::kNil;
        } else if (IsKeyword(token.value)) {
          return Error(token.pos, absl::StrCat("unexpected ", Describe(token), " in operand"));
        } else if (FindFunction(token.value) == nullptr) {
          return Error(token.pos, absl::StrCat("function \"", token.value, "\" not defined"));
        } else {
          operand.kind = Operand::Kind::kFunction;
          operand.name = token.value;
        }
        break;
      case TokenKind::kDot:
        operand.kind = Operand::Kind::kDot;
        break;
      case TokenKind::kField:
        operand.kind = Operand::Kind::kField;
        operand.fields.push_back(token.value);
        break;
      case TokenKind::kVariable:
        if (!IsDeclared(token.value)) {
          return Error(token.pos, absl::StrCat("undefined variable \"", token.value, "\""));
        }
        operand.kind = Operand::Kind::kVariable;
        operand.name = token.value;
        break;
      case TokenKind::kString:
        operand.kind = Operand::Kind::kString;
        operand.literal = token.value;
        break;
      case TokenKind::kNumber: {
        std::optional<nlohmann::json> number = ParseNumber(token.value);
        if (!number) return Error(token.pos, absl::StrCat("illegal number syntax: ", GoQuote(token.value)));
        operand.kind = Operand::Kind::kNumber;
        operand.literal = std::move(*number);
        break;
      }
      case TokenKind::kLeftParen: {
        absl::StatusOr<std::unique_ptr<Pipeline>> pipeline =
            ParsePipeline("parenthesized pipeline", TokenKind::kRightParen);
        if (!pipeline.ok()) return pipeline.status();
        operand.kind = Operand::Kind::kPipeline;
        operand.pipeline = std::move(*pipeline);
        break;
      }
      default:
        Backup();
        return std::optional<Operand>();
    }
    // The term's own text; ParseOperand extends it over a field chain.
    operand.text = std::string(source_.substr(token.pos, tokens_[index_ - 1].end - token.pos));
    return std::optional<Operand>(std::move(operand));
  }

  absl::string_view source_;
  std::vector<Token> tokens_;
  size_t index_ = 0;
  size_t last_pos_ = 0;
  int range_depth_ = 0;
  std::vector<std::string> variables_ = {"$"};
};

}  // namespace

absl::StatusOr<NodeList> ParseTokens(absl::string_view source, std::vector<Token> tokens) {
  return Parser(source, std::move(tokens)).Run();
}

}  // namespace berth::cli::gotmpl
