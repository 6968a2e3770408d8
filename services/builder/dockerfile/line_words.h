#ifndef BERTH_SERVICES_BUILDER_DOCKERFILE_LINE_WORDS_H_
#define BERTH_SERVICES_BUILDER_DOCKERFILE_LINE_WORDS_H_

// The word splitting docker's parser does on a logical line before any
// substitution: the keyword, the leading `--flags`, and the words of
// ENV/LABEL/ARG with their quotes and escapes kept (ProcessWord removes
// them later, when the builder substitutes variables).

#include <string>
#include <vector>

namespace berth::builder {

struct SplitCommand {
  std::string keyword;             // as written
  std::vector<std::string> flags;  // "--name=value" words, quotes removed
  std::string rest;                // the arguments, trimmed
};

SplitCommand SplitCommandLine(const std::string& line);

// docker's parseWords: white-space separated words where quotes and the
// escape character group characters but stay in the word.
std::vector<std::string> SplitQuotedWords(const std::string& text, char escape);

// Splits on runs of blanks, as docker's reWhitespace ([\t\v\f\r ]+).
std::vector<std::string> SplitOnBlanks(const std::string& text);

bool IsBlankChar(char ch);

}  // namespace berth::builder

#endif  // BERTH_SERVICES_BUILDER_DOCKERFILE_LINE_WORDS_H_
