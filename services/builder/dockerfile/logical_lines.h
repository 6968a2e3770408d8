#ifndef BERTH_SERVICES_BUILDER_DOCKERFILE_LOGICAL_LINES_H_
#define BERTH_SERVICES_BUILDER_DOCKERFILE_LOGICAL_LINES_H_

// A Dockerfile's text as docker's parser reads it before any instruction is
// understood: parser directives at the top, comments and empty lines
// dropped, continued lines joined into one logical line.

#include <optional>
#include <string>
#include <vector>

#include "absl/status/statusor.h"

namespace berth::builder {

struct Directives {
  char escape = '\\';
  // `# syntax=` is kept only so the builder can warn that it is ignored.
  std::optional<std::string> syntax;
};

struct LogicalLine {
  std::string text;    // continuations joined, escape characters removed
  int first_line = 0;  // 1-based
  int last_line = 0;
};

struct SplitDockerfile {
  Directives directives;
  std::vector<LogicalLine> lines;
  // Docker's "Empty continuation line found in: ..." warnings.
  std::vector<std::string> warnings;
};

// Errors are InvalidArgument "Dockerfile parse error on line N: ..." with
// docker's texts ("invalid escape token '%s' does not match ` or \",
// "only one escape parser directive can be used").
absl::StatusOr<SplitDockerfile> SplitLogicalLines(const std::string& text);

// "Dockerfile parse error on line N: MESSAGE", the one error shape of the
// parser.
std::string ParseErrorText(int line, const std::string& message);

}  // namespace berth::builder

#endif  // BERTH_SERVICES_BUILDER_DOCKERFILE_LOGICAL_LINES_H_
