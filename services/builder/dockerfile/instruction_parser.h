#ifndef BERTH_SERVICES_BUILDER_DOCKERFILE_INSTRUCTION_PARSER_H_
#define BERTH_SERVICES_BUILDER_DOCKERFILE_INSTRUCTION_PARSER_H_

// One logical line → one Instruction, with the checks docker's parser and
// instructions package make (argument counts, flags, JSON form, stage
// names, HEALTHCHECK options, ONBUILD triggers, heredocs refused).

#include "absl/status/statusor.h"
#include "services/builder/dockerfile/instruction.h"
#include "services/builder/dockerfile/logical_lines.h"

namespace berth::builder {

// Errors: InvalidArgument "Dockerfile parse error on line N: TEXT", N the
// instruction's first line, TEXT docker's ("unknown instruction: RUNN").
absl::StatusOr<Instruction> ParseInstruction(const LogicalLine& line,
                                             char escape);

}  // namespace berth::builder

#endif  // BERTH_SERVICES_BUILDER_DOCKERFILE_INSTRUCTION_PARSER_H_
