#include "services/builder/dockerfile/parser.h"

#include <utility>

#include "absl/status/status.h"
#include "services/builder/dockerfile/instruction_parser.h"

namespace berth::builder {

absl::StatusOr<Dockerfile> ParseDockerfile(const std::string& text) {
  absl::StatusOr<SplitDockerfile> split = SplitLogicalLines(text);
  if (!split.ok()) return split.status();
  Dockerfile dockerfile;
  dockerfile.directives = split->directives;
  dockerfile.warnings = std::move(split->warnings);
  bool in_stage = false;
  for (const LogicalLine& line : split->lines) {
    absl::StatusOr<Instruction> instruction =
        ParseInstruction(line, dockerfile.directives.escape);
    if (!instruction.ok()) return instruction.status();
    // Only ARG (the global build args) may come before the first FROM.
    in_stage = in_stage || instruction->keyword == "FROM";
    if (!in_stage && instruction->keyword != "ARG") {
      return absl::InvalidArgumentError(ParseErrorText(
          instruction->line, "no build stage in current context"));
    }
    dockerfile.instructions.push_back(std::move(*instruction));
  }
  if (dockerfile.instructions.empty()) {
    int last_line = 0;
    for (char ch : text) last_line += ch == '\n';
    return absl::InvalidArgumentError(
        ParseErrorText(last_line, "file with no instructions"));
  }
  return dockerfile;
}

}  // namespace berth::builder
