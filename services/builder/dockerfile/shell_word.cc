#include "services/builder/dockerfile/shell_word.h"

#include <cctype>
#include <string_view>
#include <utility>

#include "absl/status/status.h"
#include "absl/strings/str_cat.h"

namespace berth::builder {
namespace {

constexpr int kEnd = -1;

bool IsSpace(int ch) {
  return ch == ' ' || ch == '\t' || ch == '\n' || ch == '\v' || ch == '\f' ||
         ch == '\r';
}

// Words as docker's wordsStruct builds them: characters that came from an
// expansion split on white space, quoted or escaped ones never do.
class WordCollector {
 public:
  void AddChar(char ch) {
    if (IsSpace(ch)) {
      if (in_word_ && !word_.empty()) {
        words_.push_back(std::move(word_));
        word_.clear();
        in_word_ = false;
      }
      return;
    }
    AddRawChar(ch);
  }
  void AddRawChar(char ch) {
    word_ += ch;
    in_word_ = true;
  }
  void AddString(const std::string& text) {
    for (char ch : text) AddChar(ch);
  }
  void AddRawString(const std::string& text) {
    word_ += text;
    in_word_ = true;
  }
  std::vector<std::string> Finish() {
    if (!word_.empty()) words_.push_back(std::move(word_));
    return std::move(words_);
  }

 private:
  std::string word_;
  std::vector<std::string> words_;
  bool in_word_ = false;
};

// Shell pattern match of all of `text`: `*` any run, `?` one character,
// `\` makes the next character literal.
bool GlobMatches(std::string_view pattern, std::string_view text) {
  if (pattern.empty()) return text.empty();
  char first = pattern[0];
  if (first == '*') {
    for (size_t skip = 0; skip <= text.size(); ++skip) {
      if (GlobMatches(pattern.substr(1), text.substr(skip))) return true;
    }
    return false;
  }
  if (text.empty()) return false;
  if (first == '?') return GlobMatches(pattern.substr(1), text.substr(1));
  if (first == '\\' && pattern.size() > 1) {
    return pattern[1] == text[0] &&
           GlobMatches(pattern.substr(2), text.substr(1));
  }
  return first == text[0] && GlobMatches(pattern.substr(1), text.substr(1));
}

// ${v#p} ${v##p} (prefix) and ${v%p} ${v%%p} (suffix).
std::string TrimMatch(const std::string& value, const std::string& pattern,
                      bool prefix, bool longest) {
  const size_t size = value.size();
  for (size_t step = 0; step <= size; ++step) {
    size_t length = longest ? size - step : step;
    std::string_view part = prefix
                                ? std::string_view(value).substr(0, length)
                                : std::string_view(value).substr(size - length);
    if (GlobMatches(pattern, part)) {
      return prefix ? value.substr(length) : value.substr(0, size - length);
    }
  }
  return value;
}

struct Processed {
  std::string word;
  std::vector<std::string> words;
};

class Lexer {
 public:
  Lexer(const std::string& text, const ShellEnv& env, char escape)
      : text_(text), env_(env), escape_(escape) {}

  // Until `stop` (consumed) or the end of the text when stop is kEnd.
  // raw_escapes keeps escape characters, for a pattern to see them.
  absl::StatusOr<Processed> ProcessUntil(int stop, bool raw_escapes = false) {
    std::string result;
    WordCollector words;
    while (Peek() != kEnd) {
      int ch = Peek();
      if (stop != kEnd && ch == stop) {
        Next();
        return Processed{std::move(result), words.Finish()};
      }
      if (ch == '\'' || ch == '"' || ch == '$') {
        absl::StatusOr<std::string> part = ch == '\''  ? SingleQuoted()
                                           : ch == '"' ? DoubleQuoted()
                                                       : Dollar();
        if (!part.ok()) return part.status();
        result += *part;
        if (ch == '$') {
          words.AddString(*part);
        } else {
          words.AddRawString(*part);
        }
        continue;
      }
      ch = Next();
      if (ch == escape_) {
        if (raw_escapes) result += static_cast<char>(ch);
        ch = Next();
        if (ch == kEnd) break;  // an escape at the very end is dropped
        words.AddRawChar(static_cast<char>(ch));
      } else {
        words.AddChar(static_cast<char>(ch));
      }
      result += static_cast<char>(ch);
    }
    if (stop != kEnd) {
      return absl::InvalidArgumentError(absl::StrCat(
          "unexpected end of statement while looking for matching ",
          std::string(1, static_cast<char>(stop))));
    }
    return Processed{std::move(result), words.Finish()};
  }

 private:
  int Peek() const {
    return pos_ < text_.size() ? static_cast<unsigned char>(text_[pos_]) : kEnd;
  }
  int Next() {
    int ch = Peek();
    if (ch != kEnd) ++pos_;
    return ch;
  }

  // Everything literal up to the next single quote; nothing escapes inside.
  absl::StatusOr<std::string> SingleQuoted() {
    std::string result;
    Next();
    for (;;) {
      int ch = Next();
      if (ch == kEnd) {
        return absl::InvalidArgumentError(
            "unexpected end of statement while looking for matching "
            "single-quote");
      }
      if (ch == '\'') return result;
      result += static_cast<char>(ch);
    }
  }

  // Literal except `$` expansions; the escape character escapes only `"`,
  // `$` and itself, and stays otherwise.
  absl::StatusOr<std::string> DoubleQuoted() {
    std::string result;
    Next();
    for (;;) {
      int ch = Peek();
      if (ch == kEnd) {
        return absl::InvalidArgumentError(
            "unexpected end of statement while looking for matching "
            "double-quote");
      }
      if (ch == '"') {
        Next();
        return result;
      }
      if (ch == '$') {
        absl::StatusOr<std::string> value = Dollar();
        if (!value.ok()) return value.status();
        result += *value;
        continue;
      }
      ch = Next();
      if (ch == escape_) {
        int following = Peek();
        if (following == kEnd) continue;
        if (following == '"' || following == '$' || following == escape_) {
          ch = Next();
        }
      }
      result += static_cast<char>(ch);
    }
  }

  // A name: letters, digits and `_`; a leading digit run or one special
  // parameter character ends it, as docker's processName.
  std::string Name() {
    std::string name;
    while (Peek() != kEnd) {
      int ch = Peek();
      if (name.empty() && std::isdigit(ch)) {
        while (Peek() != kEnd && std::isdigit(Peek())) {
          name += static_cast<char>(Next());
        }
        return name;
      }
      if (name.empty() && IsSpecialParameter(ch)) {
        return std::string(1, static_cast<char>(Next()));
      }
      if (!std::isalnum(ch) && ch != '_') break;
      name += static_cast<char>(Next());
    }
    return name;
  }

  static bool IsSpecialParameter(int ch) {
    switch (ch) {
      case '@':
      case '*':
      case '#':
      case '?':
      case '-':
      case '$':
      case '!':
      case '0':
        return true;
      default:
        return false;
    }
  }

  const std::string* Lookup(const std::string& name) const {
    auto it = env_.find(name);
    return it == env_.end() ? nullptr : &it->second;
  }

  absl::StatusOr<std::string> Dollar() {
    Next();
    if (Peek() != '{') {
      std::string name = Name();
      if (name.empty()) return std::string("$");
      const std::string* value = Lookup(name);
      return value ? *value : std::string();
    }
    Next();
    int first = Peek();
    if (first == kEnd) {
      return absl::InvalidArgumentError("syntax error: missing '}'");
    }
    if (first == '{' || first == '}' || first == ':') {
      return absl::InvalidArgumentError("syntax error: bad substitution");
    }
    std::string name = Name();
    int ch = Next();
    if (ch == '}') {
      const std::string* value = Lookup(name);
      return value ? *value : std::string();
    }
    std::string modifier(1, static_cast<char>(ch));
    // `:` makes an empty value count as unset for the modifier after it.
    bool empty_is_unset = false;
    if (ch == ':') {
      empty_is_unset = true;
      ch = Next();
      if (ch != kEnd) modifier += static_cast<char>(ch);
    }
    bool trims = ch == '#' || ch == '%';
    if (ch == kEnd) {
      return absl::InvalidArgumentError("syntax error: missing '}'");
    }
    if ((ch != '-' && ch != '+' && ch != '?' && !trims) ||
        (trims && empty_is_unset)) {
      return absl::InvalidArgumentError(absl::StrCat(
          "unsupported modifier (", modifier, ") in substitution"));
    }
    absl::StatusOr<Processed> word = ProcessUntil('}', trims);
    if (!word.ok()) {
      if (Peek() == kEnd) {
        return absl::InvalidArgumentError("syntax error: missing '}'");
      }
      return word.status();
    }
    const std::string* value = Lookup(name);
    if (trims) {
      // `#`/`%` remove the shortest matching prefix/suffix, `##`/`%%` the
      // longest.
      std::string pattern = word->word;
      bool longest = !pattern.empty() && pattern[0] == ch;
      if (longest) pattern.erase(0, 1);
      return TrimMatch(value ? *value : std::string(), pattern, ch == '#',
                       longest);
    }
    bool unset = value == nullptr || (empty_is_unset && value->empty());
    switch (ch) {
      case '-':
        return unset ? word->word : *value;
      case '+':
        return unset ? std::string() : word->word;
      default: {  // '?'
        if (value == nullptr || unset) {
          std::string message = !word->word.empty() ? word->word
                                : value == nullptr
                                    ? "is not allowed to be unset"
                                    : "is not allowed to be empty";
          return absl::InvalidArgumentError(absl::StrCat(name, ": ", message));
        }
        return *value;
      }
    }
  }

  const std::string& text_;
  const ShellEnv& env_;
  const int escape_;
  size_t pos_ = 0;
};

}  // namespace

absl::StatusOr<std::string> ProcessWord(const std::string& text,
                                        const ShellEnv& env, char escape) {
  absl::StatusOr<Processed> processed =
      Lexer(text, env, escape).ProcessUntil(kEnd);
  if (!processed.ok()) return processed.status();
  return std::move(processed->word);
}

absl::StatusOr<std::vector<std::string>> ProcessWords(const std::string& text,
                                                      const ShellEnv& env,
                                                      char escape) {
  absl::StatusOr<Processed> processed =
      Lexer(text, env, escape).ProcessUntil(kEnd);
  if (!processed.ok()) return processed.status();
  return std::move(processed->words);
}

}  // namespace berth::builder
