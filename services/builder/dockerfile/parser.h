#ifndef BERTH_SERVICES_BUILDER_DOCKERFILE_PARSER_H_
#define BERTH_SERVICES_BUILDER_DOCKERFILE_PARSER_H_

// A Dockerfile's text → its directives and instructions, as docker's
// classic builder parses it. Variable substitution is not applied here:
// see shell_word.h, which the builder calls per instruction.

#include <string>
#include <vector>

#include "absl/status/statusor.h"
#include "services/builder/dockerfile/instruction.h"
#include "services/builder/dockerfile/logical_lines.h"

namespace berth::builder {

struct Dockerfile {
  Directives directives;
  std::vector<Instruction> instructions;
  std::vector<std::string> warnings;  // for the build output
};

// InvalidArgument "Dockerfile parse error on line N: ..." on the first
// error; "file with no instructions" when there is none, "no build stage
// in current context" for an instruction other than ARG before FROM.
absl::StatusOr<Dockerfile> ParseDockerfile(const std::string& text);

}  // namespace berth::builder

#endif  // BERTH_SERVICES_BUILDER_DOCKERFILE_PARSER_H_
