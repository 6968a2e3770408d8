#include "services/builder/context/dockerignore.h"

#include "absl/strings/ascii.h"
#include "absl/strings/match.h"
#include "absl/strings/str_cat.h"
#include "absl/strings/str_split.h"
#include "services/builder/context/go_path.h"

namespace berth::buildcontext {
namespace {

// Characters Go's regexp would read as operators but filepath.Match reads
// as themselves (patternmatcher's shouldEscape).
bool ShouldEscape(char c) { return absl::string_view(".+()|{}$").find(c) != absl::string_view::npos; }

}  // namespace

std::vector<std::string> ParseDockerignore(absl::string_view text) {
  std::vector<std::string> patterns;
  bool first = true;
  for (absl::string_view line : absl::StrSplit(text, '\n')) {
    if (!line.empty() && line.back() == '\r') line.remove_suffix(1);  // bufio.ScanLines
    if (first && absl::StartsWith(line, "\xEF\xBB\xBF")) line.remove_prefix(3);
    first = false;
    if (absl::StartsWith(line, "#")) continue;
    std::string pattern(absl::StripAsciiWhitespace(line));
    if (pattern.empty()) continue;
    bool invert = pattern[0] == '!';
    if (invert) pattern = std::string(absl::StripAsciiWhitespace(pattern.substr(1)));
    if (!pattern.empty()) {
      pattern = GoClean(pattern);
      if (pattern.size() > 1 && pattern[0] == '/') pattern.erase(0, 1);
    }
    patterns.push_back(invert ? "!" + pattern : pattern);
  }
  return patterns;
}

absl::StatusOr<IgnoreMatcher> IgnoreMatcher::Create(const std::vector<std::string>& patterns,
                                                    const std::string& dockerfile) {
  IgnoreMatcher matcher;
  matcher.dockerfile_ = GoClean(dockerfile);
  for (const std::string& raw : patterns) {
    std::string text(absl::StripAsciiWhitespace(raw));
    if (text.empty()) continue;
    text = GoClean(text);
    Pattern pattern;
    if (text[0] == '!') {
      if (text.size() == 1) return absl::InvalidArgumentError("illegal exclusion pattern: \"!\"");
      pattern.exception = true;
      matcher.has_exceptions_ = true;
      text.erase(0, 1);
    }
    if (absl::StatusOr<bool> valid = GoMatch(text, "."); !valid.ok()) {
      return absl::InvalidArgumentError(absl::StrCat(".dockerignore: ", valid.status().message()));
    }
    pattern.cleaned = text;
    if (absl::Status compiled = Compile(&pattern); !compiled.ok()) return compiled;
    matcher.patterns_.push_back(std::move(pattern));
  }
  return matcher;
}

// patternmatcher's compile: plain names and "x/**" / "**/x" are compared
// as strings, anything else becomes the same regular expression docker
// builds ("*" and "?" never cross "/", "**/" crosses any number of dirs).
absl::Status IgnoreMatcher::Compile(Pattern* pattern) {
  std::string expression = "^";
  Kind kind = Kind::kExact;
  const std::string& text = pattern->cleaned;
  size_t i = 0;
  for (size_t index = 0; i < text.size(); ++index) {
    char c = text[i++];
    const bool at_end = i >= text.size();
    if (c == '*') {
      if (!at_end && text[i] == '*') {
        ++i;
        if (i < text.size() && text[i] == '/') ++i;
        if (i >= text.size()) {
          if (kind == Kind::kExact) {
            kind = Kind::kPrefix;
          } else {
            expression += ".*";
            kind = Kind::kRegex;
          }
        } else {
          expression += "(.*/)?";
          kind = Kind::kRegex;
        }
        if (index == 0) kind = Kind::kSuffix;
      } else {
        expression += "[^/]*";
        kind = Kind::kRegex;
      }
    } else if (c == '?') {
      expression += "[^/]";
      kind = Kind::kRegex;
    } else if (ShouldEscape(c)) {
      expression += '\\';
      expression += c;
    } else if (c == '\\') {
      if (!at_end) {
        expression += '\\';
        expression += text[i++];
        kind = Kind::kRegex;
      } else {
        expression += "\\\\";
      }
    } else if (c == '[' || c == ']') {
      expression += c;
      kind = Kind::kRegex;
    } else {
      expression += c;
    }
  }
  pattern->kind = kind;
  if (kind == Kind::kRegex) {
    expression += "$";
    try {
      pattern->regex = std::regex(expression, std::regex::ECMAScript);
    } catch (const std::regex_error&) {
      return absl::InvalidArgumentError(
          absl::StrCat(".dockerignore: syntax error in pattern \"", text, "\""));
    }
  }
  return absl::OkStatus();
}

bool IgnoreMatcher::Pattern::Matches(const std::string& path) const {
  switch (kind) {
    case Kind::kExact:
      return path == cleaned;
    case Kind::kPrefix:
      return absl::StartsWith(path, absl::string_view(cleaned).substr(0, cleaned.size() - 2));
    case Kind::kSuffix: {
      absl::string_view suffix = absl::string_view(cleaned).substr(2);
      if (absl::EndsWith(path, suffix)) return true;
      // "**/foo" matches "foo" itself.
      return !suffix.empty() && suffix[0] == '/' && path == suffix.substr(1);
    }
    case Kind::kRegex:
      // libstdc++ may give up on a pathological path (error_complexity,
      // error_stack); such a path is taken as not matching.
      try {
        return std::regex_match(path, regex);
      } catch (const std::regex_error&) {
        return false;
      }
  }
  return false;
}

bool IgnoreMatcher::MatchesPatterns(const std::string& rel_path) const {
  std::string file = GoClean(rel_path);
  if (file == ".") return false;  // docker never excludes the whole context
  std::string parent;
  if (size_t slash = file.rfind('/'); slash != std::string::npos) parent = file.substr(0, slash);
  std::vector<absl::string_view> parent_dirs;
  if (!parent.empty()) parent_dirs = absl::StrSplit(parent, '/');
  bool matched = false;
  for (const Pattern& pattern : patterns_) {
    // An inclusion cannot change a match, nor an exception a non-match.
    if (pattern.exception != matched) continue;
    bool match = pattern.Matches(file);
    if (!match && !parent.empty()) {
      std::string prefix;
      for (absl::string_view dir : parent_dirs) {
        if (!prefix.empty()) prefix += '/';
        prefix.append(dir.data(), dir.size());
        if (pattern.Matches(prefix)) {
          match = true;
          break;
        }
      }
    }
    if (match) matched = !pattern.exception;
  }
  return matched;
}

bool IgnoreMatcher::Excluded(const std::string& rel_path) const {
  std::string file = GoClean(rel_path);
  if (file == ".dockerignore" || file == dockerfile_) return false;
  return MatchesPatterns(file);
}

bool IgnoreMatcher::MayHaveExceptionsBelow(const std::string& dir) const {
  if (!has_exceptions_) return false;
  std::string dir_slash = GoClean(dir) + "/";
  for (const Pattern& pattern : patterns_) {
    if (pattern.exception && absl::StartsWith(pattern.cleaned + "/", dir_slash)) return true;
  }
  return false;
}

}  // namespace berth::buildcontext
