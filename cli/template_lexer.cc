#include "cli/template_lexer.h"

#include <cstdint>
#include <cstdlib>

#include "absl/strings/ascii.h"
#include "absl/strings/str_cat.h"
#include "absl/strings/str_replace.h"
#include "cli/template_value.h"

namespace berth::cli::gotmpl {
namespace {

constexpr absl::string_view kLeftDelim = "{{";
constexpr absl::string_view kRightDelim = "}}";

bool IsSpace(char c) { return c == ' ' || c == '\t' || c == '\r' || c == '\n'; }

// Bytes of multi-byte UTF-8 characters count as letters, as Go accepts
// Unicode letters in names.
bool IsAlphaNumeric(char c) {
  return c == '_' || absl::ascii_isalnum(static_cast<unsigned char>(c)) ||
         static_cast<unsigned char>(c) >= 0x80;
}

class Lexer {
 public:
  Lexer(absl::string_view source, bool expand_text_escapes)
      : source_(source), expand_text_escapes_(expand_text_escapes) {}

  std::vector<Token> Run() {
    while (pos_ < source_.size()) {
      absl::Status status = LexText();
      if (!status.ok()) {
        tokens_.push_back(std::move(error_));
        return std::move(tokens_);
      }
    }
    Emit(TokenKind::kEof, pos_, pos_, "");
    return std::move(tokens_);
  }

 private:
  // Records the error token; the status only unwinds to Run.
  absl::Status Error(size_t pos, absl::string_view message) {
    error_ = Token{TokenKind::kError, pos, pos, std::string(message)};
    return absl::InvalidArgumentError(message);
  }

  void Emit(TokenKind kind, size_t pos, size_t end, std::string value) {
    tokens_.push_back(Token{kind, pos, end, std::move(value)});
  }

  bool At(absl::string_view prefix) const { return source_.substr(pos_).substr(0, prefix.size()) == prefix; }

  // " -}}": a space, the trim marker, the right delimiter.
  bool AtTrimmedRightDelim() const {
    return pos_ + 1 < source_.size() && IsSpace(source_[pos_]) && source_[pos_ + 1] == '-' &&
           source_.substr(pos_ + 2).substr(0, 2) == kRightDelim;
  }

  // Text up to the next action, then the action.
  absl::Status LexText() {
    size_t open = source_.find(kLeftDelim, pos_);
    size_t text_end = open == absl::string_view::npos ? source_.size() : open;
    std::string text(source_.substr(pos_, text_end - pos_));
    if (expand_text_escapes_) text = absl::StrReplaceAll(text, {{"\\n", "\n"}, {"\\t", "\t"}});
    if (trim_next_text_) text = std::string(absl::StripLeadingAsciiWhitespace(text));
    trim_next_text_ = false;
    bool trim_left = open != absl::string_view::npos && open + 3 < source_.size() &&
                     source_[open + 2] == '-' && IsSpace(source_[open + 3]);
    if (trim_left) text = std::string(absl::StripTrailingAsciiWhitespace(text));
    if (!text.empty()) Emit(TokenKind::kText, pos_, text_end, std::move(text));
    pos_ = text_end;
    if (open == absl::string_view::npos) return absl::OkStatus();
    size_t delim_pos = pos_;
    pos_ += kLeftDelim.size() + (trim_left ? 2 : 0);
    if (At("/*")) return LexComment(delim_pos);
    Emit(TokenKind::kLeftDelim, delim_pos, delim_pos + 2, "");
    return LexInsideAction(delim_pos);
  }

  absl::Status LexComment(size_t delim_pos) {
    size_t close = source_.find("*/", pos_ + 2);
    if (close == absl::string_view::npos) return Error(delim_pos, "unclosed comment");
    pos_ = close + 2;
    if (AtTrimmedRightDelim()) {
      pos_ += 4;
      trim_next_text_ = true;
    } else if (At(kRightDelim)) {
      pos_ += 2;
    } else {
      return Error(delim_pos, "comment ends before closing delimiter");
    }
    return absl::OkStatus();
  }

  absl::Status LexInsideAction(size_t delim_pos) {
    int paren_depth = 0;
    while (true) {
      if (AtTrimmedRightDelim() || At(kRightDelim)) {
        if (paren_depth > 0) return Error(pos_, "unclosed left paren");
        bool trimmed = !At(kRightDelim);
        size_t start = pos_ + (trimmed ? 2 : 0);
        Emit(TokenKind::kRightDelim, start, start + 2, "");
        pos_ = start + 2;
        trim_next_text_ = trimmed;
        return absl::OkStatus();
      }
      if (pos_ >= source_.size()) return Error(delim_pos, "unclosed action");
      char c = source_[pos_];
      size_t start = pos_;
      absl::Status status = absl::OkStatus();
      if (IsSpace(c)) {
        while (pos_ < source_.size() && IsSpace(source_[pos_]) && !AtTrimmedRightDelim()) ++pos_;
        Emit(TokenKind::kSpace, start, pos_, "");
      } else if (c == ':') {
        if (pos_ + 1 >= source_.size() || source_[pos_ + 1] != '=') return Error(pos_, "expected :=");
        pos_ += 2;
        Emit(TokenKind::kDeclare, start, pos_, ":=");
      } else if (c == '=' || c == '|' || c == ',' || c == '(' || c == ')') {
        ++pos_;
        if (c == '(') ++paren_depth;
        if (c == ')' && --paren_depth < 0) return Error(start, "unexpected right paren");
        TokenKind kind = c == '=' ? TokenKind::kAssign
                         : c == '|' ? TokenKind::kPipe
                         : c == ',' ? TokenKind::kComma
                         : c == '(' ? TokenKind::kLeftParen
                                    : TokenKind::kRightParen;
        Emit(kind, start, pos_, std::string(1, c));
      } else if (c == '"') {
        status = LexQuoted();
      } else if (c == '`') {
        status = LexRawQuoted();
      } else if (c == '\'') {
        status = LexChar();
      } else if (c == '$') {
        status = LexFieldOrVariable(TokenKind::kVariable);
      } else if (c == '.' && !(pos_ + 1 < source_.size() && absl::ascii_isdigit(source_[pos_ + 1]))) {
        status = LexFieldOrVariable(TokenKind::kField);
      } else if (c == '.' || c == '+' || c == '-' || absl::ascii_isdigit(static_cast<unsigned char>(c))) {
        status = LexNumber();
      } else if (IsAlphaNumeric(c)) {
        while (pos_ < source_.size() && IsAlphaNumeric(source_[pos_])) ++pos_;
        if (!AtTerminator()) return Error(pos_, absl::StrCat("bad character ", GoQuote(source_.substr(pos_, 1))));
        Emit(TokenKind::kIdentifier, start, pos_, std::string(source_.substr(start, pos_ - start)));
      } else if (absl::ascii_isprint(static_cast<unsigned char>(c))) {
        ++pos_;
        Emit(TokenKind::kChar, start, pos_, std::string(1, c));
      } else {
        return Error(pos_, absl::StrCat("unrecognized character in action: ", GoQuote(source_.substr(pos_, 1))));
      }
      if (!status.ok()) return status;
    }
  }

  bool AtTerminator() const {
    if (pos_ >= source_.size()) return true;
    char c = source_[pos_];
    return IsSpace(c) || c == '.' || c == ',' || c == '|' || c == ':' || c == ')' || c == '(' ||
           At(kRightDelim);
  }

  // ".Name", "$name", or "$" and "." alone.
  absl::Status LexFieldOrVariable(TokenKind kind) {
    size_t start = pos_++;
    if (kind == TokenKind::kField && AtTerminator()) {
      Emit(TokenKind::kDot, start, pos_, ".");
      return absl::OkStatus();
    }
    while (pos_ < source_.size() && IsAlphaNumeric(source_[pos_])) ++pos_;
    if (!AtTerminator()) return Error(pos_, absl::StrCat("bad character ", GoQuote(source_.substr(pos_, 1))));
    size_t name_start = kind == TokenKind::kField ? start + 1 : start;
    Emit(kind, start, pos_, std::string(source_.substr(name_start, pos_ - name_start)));
    return absl::OkStatus();
  }

  absl::Status LexNumber() {
    size_t start = pos_;
    auto accept = [&](absl::string_view valid) {
      if (pos_ < source_.size() && valid.find(source_[pos_]) != absl::string_view::npos) {
        ++pos_;
        return true;
      }
      return false;
    };
    auto accept_run = [&](absl::string_view valid) {
      while (accept(valid)) {
      }
    };
    accept("+-");
    absl::string_view digits = "0123456789_";
    bool decimal = true;
    if (accept("0")) {
      if (accept("xX")) {
        digits = "0123456789abcdefABCDEF_";
        decimal = false;
      } else if (accept("oO")) {
        digits = "01234567_";
        decimal = false;
      } else if (accept("bB")) {
        digits = "01_";
        decimal = false;
      }
    }
    accept_run(digits);
    if (decimal) {
      if (accept(".")) accept_run(digits);
      if (accept("eE")) {
        accept("+-");
        accept_run("0123456789_");
      }
    }
    if (pos_ < source_.size() && IsAlphaNumeric(source_[pos_])) {
      ++pos_;
      return Error(start, absl::StrCat("bad number syntax: ", GoQuote(source_.substr(start, pos_ - start))));
    }
    Emit(TokenKind::kNumber, start, pos_, std::string(source_.substr(start, pos_ - start)));
    return absl::OkStatus();
  }

  // One escape sequence after a backslash, as Go's strconv.Unquote reads it.
  absl::Status Unescape(char quote, std::string* out) {
    size_t at = pos_ - 1;
    if (pos_ >= source_.size()) return Error(at, "unterminated quoted string");
    char c = source_[pos_++];
    int hex_digits = 0;
    switch (c) {
      case 'a': *out += '\a'; return absl::OkStatus();
      case 'b': *out += '\b'; return absl::OkStatus();
      case 'f': *out += '\f'; return absl::OkStatus();
      case 'n': *out += '\n'; return absl::OkStatus();
      case 'r': *out += '\r'; return absl::OkStatus();
      case 't': *out += '\t'; return absl::OkStatus();
      case 'v': *out += '\v'; return absl::OkStatus();
      case '\\': *out += '\\'; return absl::OkStatus();
      case 'x': hex_digits = 2; break;
      case 'u': hex_digits = 4; break;
      case 'U': hex_digits = 8; break;
      default:
        if (c == quote) {
          *out += c;
          return absl::OkStatus();
        }
        if (c >= '0' && c <= '7' && pos_ + 1 < source_.size()) {
          std::string octal(source_.substr(pos_ - 1, 3));
          if (octal.find_first_not_of("01234567") == std::string::npos) {
            pos_ += 2;
            *out += static_cast<char>(std::strtoul(octal.c_str(), nullptr, 8));
            return absl::OkStatus();
          }
        }
        return Error(at, "invalid syntax");
    }
    std::string hex(source_.substr(pos_, hex_digits));
    if (hex.size() != static_cast<size_t>(hex_digits) ||
        hex.find_first_not_of("0123456789abcdefABCDEF") != std::string::npos) {
      return Error(at, "invalid syntax");
    }
    pos_ += hex_digits;
    uint32_t code = static_cast<uint32_t>(std::strtoul(hex.c_str(), nullptr, 16));
    if (code > 0x10FFFF) return Error(at, "invalid syntax");
    if (c == 'x') {
      *out += static_cast<char>(code);
    } else {
      AppendUtf8(code, out);
    }
    return absl::OkStatus();
  }

  absl::Status LexQuoted() {
    size_t start = pos_++;
    std::string value;
    while (true) {
      if (pos_ >= source_.size() || source_[pos_] == '\n') return Error(start, "unterminated quoted string");
      char c = source_[pos_++];
      if (c == '"') break;
      if (c == '\\') {
        absl::Status status = Unescape('"', &value);
        if (!status.ok()) return status;
      } else {
        value += c;
      }
    }
    Emit(TokenKind::kString, start, pos_, std::move(value));
    return absl::OkStatus();
  }

  absl::Status LexRawQuoted() {
    size_t start = pos_++;
    size_t close = source_.find('`', pos_);
    if (close == absl::string_view::npos) return Error(start, "unterminated raw quoted string");
    pos_ = close + 1;
    Emit(TokenKind::kString, start, pos_, std::string(source_.substr(start + 1, close - start - 1)));
    return absl::OkStatus();
  }

  // 'a' is the number 97, as in Go.
  absl::Status LexChar() {
    size_t start = pos_++;
    std::string value;
    if (pos_ < source_.size() && source_[pos_] == '\\') {
      ++pos_;
      absl::Status status = Unescape('\'', &value);
      if (!status.ok()) return status;
    } else {
      while (pos_ < source_.size() && source_[pos_] != '\'' && source_[pos_] != '\n') value += source_[pos_++];
    }
    if (pos_ >= source_.size() || source_[pos_] != '\'') return Error(start, "unterminated character constant");
    ++pos_;
    // Decode one UTF-8 character.
    uint32_t code = 0;
    auto bytes = reinterpret_cast<const unsigned char*>(value.data());
    size_t length = value.size();
    if (length == 1) {
      code = bytes[0];
    } else if (length == 2 && (bytes[0] & 0xE0) == 0xC0) {
      code = ((bytes[0] & 0x1Fu) << 6) | (bytes[1] & 0x3Fu);
    } else if (length == 3 && (bytes[0] & 0xF0) == 0xE0) {
      code = ((bytes[0] & 0x0Fu) << 12) | ((bytes[1] & 0x3Fu) << 6) | (bytes[2] & 0x3Fu);
    } else if (length == 4 && (bytes[0] & 0xF8) == 0xF0) {
      code = ((bytes[0] & 0x07u) << 18) | ((bytes[1] & 0x3Fu) << 12) | ((bytes[2] & 0x3Fu) << 6) |
             (bytes[3] & 0x3Fu);
    } else {
      return Error(start, absl::StrCat("malformed character constant: ", source_.substr(start, pos_ - start)));
    }
    Emit(TokenKind::kNumber, start, pos_, absl::StrCat(code));
    return absl::OkStatus();
  }

  absl::string_view source_;
  bool expand_text_escapes_;
  size_t pos_ = 0;
  bool trim_next_text_ = false;
  std::vector<Token> tokens_;
  Token error_;
};

}  // namespace

std::vector<Token> Lex(absl::string_view source, bool expand_text_escapes) {
  return Lexer(source, expand_text_escapes).Run();
}

}  // namespace berth::cli::gotmpl
