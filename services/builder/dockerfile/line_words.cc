#include "services/builder/dockerfile/line_words.h"

namespace berth::builder {
namespace {

bool IsSpace(char ch) { return IsBlankChar(ch) || ch == '\n'; }

std::string Trim(const std::string& text) {
  size_t start = 0, end = text.size();
  while (start < end && IsSpace(text[start])) ++start;
  while (end > start && IsSpace(text[end - 1])) --end;
  return text.substr(start, end - start);
}

// docker's extractBuilderFlags: leading words that start with `--`, with
// quotes and `\` removed; a bare `--` ends them.
void ExtractFlags(const std::string& line, std::vector<std::string>& flags,
                  std::string& rest) {
  enum { kSpaces, kWord, kQuote } phase = kSpaces;
  std::string word;
  char quote = 0;
  bool blank_ok = false;
  const size_t size = line.size();
  for (size_t pos = 0; pos <= size; ++pos) {
    char ch = pos < size ? line[pos] : 0;
    if (phase == kSpaces) {
      if (pos == size) break;
      if (IsSpace(ch)) continue;
      if (ch != '-' || pos + 1 == size || line[pos + 1] != '-') {
        rest = line.substr(pos);
        return;
      }
      phase = kWord;
    }
    if (pos == size) {
      if (word != "--" && (blank_ok || !word.empty())) flags.push_back(word);
      break;
    }
    if (phase == kWord) {
      if (IsSpace(ch)) {
        phase = kSpaces;
        if (word == "--") {
          rest = line.substr(pos);
          return;
        }
        if (blank_ok || !word.empty()) flags.push_back(word);
        word.clear();
        blank_ok = false;
        continue;
      }
      if (ch == '\'' || ch == '"') {
        quote = ch;
        blank_ok = true;
        phase = kQuote;
        continue;
      }
      if (ch == '\\') {
        if (pos + 1 == size) continue;
        ch = line[++pos];
      }
      word += ch;
      continue;
    }
    // kQuote
    if (ch == quote) {
      phase = kWord;
      continue;
    }
    if (ch == '\\') {
      if (pos + 1 == size) {
        phase = kWord;
        continue;
      }
      ch = line[++pos];
    }
    word += ch;
  }
  rest.clear();
}

}  // namespace

bool IsBlankChar(char ch) {
  return ch == ' ' || ch == '\t' || ch == '\v' || ch == '\f' || ch == '\r';
}

std::vector<std::string> SplitOnBlanks(const std::string& text) {
  std::vector<std::string> words;
  size_t pos = 0;
  for (;;) {
    size_t end = pos;
    while (end < text.size() && !IsBlankChar(text[end])) ++end;
    words.push_back(text.substr(pos, end - pos));
    if (end == text.size()) break;
    pos = end;
    while (pos < text.size() && IsBlankChar(text[pos])) ++pos;
  }
  return words;
}

SplitCommand SplitCommandLine(const std::string& line) {
  SplitCommand split;
  std::string trimmed = Trim(line);
  size_t end = 0;
  while (end < trimmed.size() && !IsBlankChar(trimmed[end])) ++end;
  split.keyword = trimmed.substr(0, end);
  if (end < trimmed.size()) {
    size_t start = end;
    while (start < trimmed.size() && IsBlankChar(trimmed[start])) ++start;
    std::string rest;
    ExtractFlags(trimmed.substr(start), split.flags, rest);
    split.rest = Trim(rest);
  }
  return split;
}

std::vector<std::string> SplitQuotedWords(const std::string& text,
                                          char escape) {
  enum { kSpaces, kWord, kQuote } phase = kSpaces;
  std::vector<std::string> words;
  std::string word;
  char quote = 0;
  bool blank_ok = false;
  const size_t size = text.size();
  for (size_t pos = 0; pos <= size; ++pos) {
    char ch = pos < size ? text[pos] : 0;
    if (phase == kSpaces) {
      if (pos == size) break;
      if (IsSpace(ch)) continue;
      phase = kWord;
    }
    if (pos == size) {
      if (blank_ok || !word.empty()) words.push_back(word);
      break;
    }
    if (phase == kWord) {
      if (IsSpace(ch)) {
        phase = kSpaces;
        if (blank_ok || !word.empty()) words.push_back(word);
        word.clear();
        blank_ok = false;
        continue;
      }
      if (ch == '\'' || ch == '"') {
        quote = ch;
        blank_ok = true;
        phase = kQuote;
      }
      if (ch == escape) {
        if (pos + 1 == size) continue;  // an escape at the end is dropped
        // Unquoted, the escape and the next character (even a quote) stay.
        word += ch;
        ch = text[++pos];
      }
      word += ch;
      continue;
    }
    // kQuote: the escape character works except inside single quotes.
    if (ch == quote) phase = kWord;
    if (ch == escape && quote != '\'') {
      if (pos + 1 == size) {
        phase = kWord;
        continue;
      }
      word += ch;
      ch = text[++pos];
    }
    word += ch;
  }
  return words;
}

}  // namespace berth::builder
