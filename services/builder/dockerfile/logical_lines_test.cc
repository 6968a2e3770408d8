#include "services/builder/dockerfile/logical_lines.h"

#include <string>
#include <vector>

#include "gtest/gtest.h"

namespace berth::builder {
namespace {

struct Line {
  std::string text;
  int first;
  int last;
  bool operator==(const Line& other) const {
    return text == other.text && first == other.first && last == other.last;
  }
};

std::ostream& operator<<(std::ostream& out, const Line& line) {
  return out << "{\"" << line.text << "\", " << line.first << ", " << line.last
             << "}";
}

SplitDockerfile Split(const std::string& text) {
  absl::StatusOr<SplitDockerfile> split = SplitLogicalLines(text);
  EXPECT_TRUE(split.ok()) << split.status();
  return split.ok() ? *split : SplitDockerfile{};
}

std::vector<Line> Lines(const std::string& text) {
  std::vector<Line> lines;
  for (const LogicalLine& line : Split(text).lines) {
    lines.push_back({line.text, line.first_line, line.last_line});
  }
  return lines;
}

std::string Error(const std::string& text) {
  absl::StatusOr<SplitDockerfile> split = SplitLogicalLines(text);
  EXPECT_FALSE(split.ok());
  return split.ok() ? "" : std::string(split.status().message());
}

TEST(LogicalLinesTest, CommentsAndEmptyLinesAreDropped) {
  EXPECT_EQ(Lines("# a comment\n\nFROM x\n   # indented comment\n\t\nRUN a\n"),
            (std::vector<Line>{{"FROM x", 3, 3}, {"RUN a", 6, 6}}));
  // `#` only starts a comment at the start of a line.
  EXPECT_EQ(Lines("RUN echo # not a comment"),
            (std::vector<Line>{{"RUN echo # not a comment", 1, 1}}));
}

TEST(LogicalLinesTest, ContinuationsJoinLines) {
  EXPECT_EQ(
      Lines("FROM x\nRUN a \\\n  && b \\  \n  && c\nCMD d\n"),
      (std::vector<Line>{
          {"FROM x", 1, 1}, {"RUN a   && b   && c", 2, 4}, {"CMD d", 5, 5}}));
  // A continuation at the end of the file ends the instruction.
  EXPECT_EQ(Lines("RUN a \\"), (std::vector<Line>{{"RUN a ", 1, 1}}));
  // Leading blanks of the first line go, of the next lines stay.
  EXPECT_EQ(Lines("   RUN a\\\n   b"),
            (std::vector<Line>{{"RUN a   b", 1, 2}}));
  // CRLF files.
  EXPECT_EQ(Lines("RUN a \\\r\n b\r\nCMD c\r\n"),
            (std::vector<Line>{{"RUN a  b", 1, 2}, {"CMD c", 3, 3}}));
}

TEST(LogicalLinesTest, CommentsInsideAContinuationAreDropped) {
  SplitDockerfile split = Split(
      "RUN apt-get update && \\\n"
      "# install the tools\n"
      "    # indented too\n"
      "    apt-get install -y curl \\\n"
      "\n"
      "    && rm -rf /var/lib/apt/lists/*\n"
      "USER nobody\n");
  ASSERT_EQ(split.lines.size(), 2u);
  EXPECT_EQ(split.lines[0].text,
            "RUN apt-get update &&     apt-get install -y curl     && rm -rf "
            "/var/lib/apt/lists/*");
  EXPECT_EQ(split.lines[0].first_line, 1);
  EXPECT_EQ(split.lines[0].last_line, 6);
  EXPECT_EQ(split.lines[1].first_line, 7);
  // The empty line inside the continuation is warned about, as docker.
  ASSERT_EQ(split.warnings.size(), 1u);
  EXPECT_EQ(split.warnings[0].rfind("Empty continuation line found in: RUN", 0),
            0u);
  // Positive control: no warning without the empty line.
  EXPECT_TRUE(Split("RUN a \\\n b\n").warnings.empty());
}

TEST(LogicalLinesTest, EscapeDirective) {
  SplitDockerfile split = Split("# escape=`\nFROM x\nRUN dir c:\\ `\n  /w\n");
  EXPECT_EQ(split.directives.escape, '`');
  ASSERT_EQ(split.lines.size(), 2u);
  // `\` at the end no longer continues, ` does.
  EXPECT_EQ(split.lines[1].text, "RUN dir c:\\   /w");
  // Case-insensitive, blanks allowed around `=`.
  EXPECT_EQ(Split("#  ESCAPE = `\nFROM x\n").directives.escape, '`');
  EXPECT_EQ(Split("# escape=\\\nFROM x\n").directives.escape, '\\');
  // Positive control for the default.
  EXPECT_EQ(Split("FROM x\n").directives.escape, '\\');
}

TEST(LogicalLinesTest, DirectivesOnlyAtTheTop) {
  // After an instruction, an empty line, or another comment, a directive is
  // a comment.
  EXPECT_EQ(Split("FROM x\n# escape=`\n").directives.escape, '\\');
  EXPECT_EQ(Split("\n# escape=`\nFROM x\n").directives.escape, '\\');
  EXPECT_EQ(Split("# hello\n# escape=`\nFROM x\n").directives.escape, '\\');
  EXPECT_EQ(Split("# unknown=1\n# escape=`\nFROM x\n").directives.escape, '\\');
  // Several directives in a row are fine.
  SplitDockerfile both =
      Split("# syntax=docker/dockerfile:1\n# escape=`\nFROM x\n");
  EXPECT_EQ(both.directives.escape, '`');
  EXPECT_EQ(both.directives.syntax, "docker/dockerfile:1");
  EXPECT_FALSE(Split("FROM x\n").directives.syntax.has_value());
  // A byte-order mark before the first directive is skipped.
  EXPECT_EQ(Split("\xEF\xBB\xBF# escape=`\nFROM x\n").directives.escape, '`');
}

TEST(LogicalLinesTest, DirectiveErrors) {
  EXPECT_EQ(Error("# escape=x\nFROM x\n"),
            "Dockerfile parse error on line 1: invalid escape token 'x' does "
            "not match ` or \\");
  EXPECT_EQ(Error("# escape=`\n# escape=\\\nFROM x\n"),
            "Dockerfile parse error on line 2: only one escape parser "
            "directive can be used");
  EXPECT_EQ(Error("# syntax=a\n# syntax=b\nFROM x\n"),
            "Dockerfile parse error on line 2: only one syntax parser "
            "directive can be used");
}

}  // namespace
}  // namespace berth::builder
