#include "services/builder/dockerfile/logical_lines.h"

#include <utility>

#include "absl/status/status.h"
#include "absl/strings/ascii.h"
#include "absl/strings/str_cat.h"
#include "absl/strings/str_split.h"

namespace berth::builder {
namespace {

bool IsBlank(char ch) {
  return ch == ' ' || ch == '\t' || ch == '\v' || ch == '\f' || ch == '\r' ||
         ch == '\n';
}

std::string TrimLeading(const std::string& line) {
  size_t start = 0;
  while (start < line.size() && IsBlank(line[start])) ++start;
  return line.substr(start);
}

bool IsComment(const std::string& line) {
  std::string trimmed = TrimLeading(line);
  return !trimmed.empty() && trimmed[0] == '#';
}

// Removes a trailing escape character (and blanks after it); true when the
// line continues on the next one.
bool TrimContinuation(std::string& line, char escape) {
  size_t end = line.size();
  while (end > 0 && (line[end - 1] == ' ' || line[end - 1] == '\t')) --end;
  if (end == 0 || line[end - 1] != escape) return false;
  line.resize(end - 1);
  return true;
}

// Reads `# name = value` directives at the top of the file, as docker's
// DirectiveParser: the first line that is not a known directive ends them.
class DirectiveReader {
 public:
  explicit DirectiveReader(Directives& directives) : directives_(directives) {}

  absl::Status Read(const std::string& line) {
    if (done_) return absl::OkStatus();
    std::string name, value;
    if (!Match(line, name, value) || (name != "escape" && name != "syntax")) {
      done_ = true;
      return absl::OkStatus();
    }
    bool& seen = name == "escape" ? escape_seen_ : syntax_seen_;
    if (seen) {
      return absl::InvalidArgumentError(
          absl::StrCat("only one ", name, " parser directive can be used"));
    }
    seen = true;
    if (name == "syntax") {
      directives_.syntax = value;
      return absl::OkStatus();
    }
    if (value != "\\" && value != "`") {
      return absl::InvalidArgumentError(absl::StrCat(
          "invalid escape token '", value, "' does not match ` or \\"));
    }
    directives_.escape = value[0];
    return absl::OkStatus();
  }

 private:
  // ^#\s*([a-zA-Z][a-zA-Z0-9]*)\s*=\s*(.+?)\s*$, name lower-cased.
  static bool Match(const std::string& line, std::string& name,
                    std::string& value) {
    size_t pos = 0;
    if (pos >= line.size() || line[pos] != '#') return false;
    ++pos;
    while (pos < line.size() && IsBlank(line[pos])) ++pos;
    if (pos >= line.size() || !absl::ascii_isalpha(line[pos])) return false;
    size_t name_start = pos;
    while (pos < line.size() && absl::ascii_isalnum(line[pos])) ++pos;
    name = absl::AsciiStrToLower(line.substr(name_start, pos - name_start));
    while (pos < line.size() && IsBlank(line[pos])) ++pos;
    if (pos >= line.size() || line[pos] != '=') return false;
    ++pos;
    value = std::string(absl::StripAsciiWhitespace(line.substr(pos)));
    return !value.empty();
  }

  Directives& directives_;
  bool done_ = false;
  bool escape_seen_ = false;
  bool syntax_seen_ = false;
};

}  // namespace

std::string ParseErrorText(int line, const std::string& message) {
  return absl::StrCat("Dockerfile parse error on line ", line, ": ", message);
}

absl::StatusOr<SplitDockerfile> SplitLogicalLines(const std::string& text) {
  SplitDockerfile result;
  DirectiveReader directive_reader(result.directives);
  std::vector<std::string> physical = absl::StrSplit(text, '\n');
  // A final newline does not start another line.
  if (!physical.empty() && physical.back().empty()) physical.pop_back();
  if (!physical.empty() && physical[0].rfind("\xEF\xBB\xBF", 0) == 0) {
    physical[0].erase(0, 3);  // byte-order mark
  }
  for (std::string& line : physical) {
    if (!line.empty() && line.back() == '\r') line.pop_back();
  }

  size_t index = 0;
  while (index < physical.size()) {
    int first_line = static_cast<int>(index) + 1;
    std::string line = TrimLeading(physical[index]);
    if (absl::Status status = directive_reader.Read(line); !status.ok()) {
      return absl::InvalidArgumentError(
          ParseErrorText(first_line, std::string(status.message())));
    }
    ++index;
    if (IsComment(line)) continue;
    bool continues = TrimContinuation(line, result.directives.escape);
    if (!continues && line.empty()) continue;

    // Comment lines inside a continued instruction are dropped, empty ones
    // too (with docker's warning); the others are joined as written.
    bool had_empty_line = false;
    while (continues && index < physical.size()) {
      std::string next = physical[index];
      ++index;
      if (IsComment(next)) continue;
      if (TrimLeading(next).empty()) {
        had_empty_line = true;
        continue;
      }
      continues = TrimContinuation(next, result.directives.escape);
      line += next;
    }
    if (had_empty_line) {
      result.warnings.push_back(
          absl::StrCat("Empty continuation line found in: ", line));
    }
    result.lines.push_back(
        LogicalLine{std::move(line), first_line, static_cast<int>(index)});
  }
  return result;
}

}  // namespace berth::builder
