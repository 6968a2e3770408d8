#ifndef BERTH_SERVICES_BUILDER_DOCKERFILE_INSTRUCTION_FLAGS_H_
#define BERTH_SERVICES_BUILDER_DOCKERFILE_INSTRUCTION_FLAGS_H_

// The `--name=value` flags each instruction accepts, as docker's BFlags:
// unknown, duplicate and value-less flags are refused with its texts.

#include <string>
#include <utility>
#include <vector>

#include "absl/status/status.h"
#include "absl/status/statusor.h"
#include "services/builder/dockerfile/instruction.h"

namespace berth::builder {

// `words` are SplitCommandLine's flags ("--from=build"); `keyword` is
// upper-cased. Errors are the bare docker text ("unknown flag: foo").
absl::StatusOr<std::vector<std::pair<std::string, std::string>>> ParseFlags(
    const std::string& keyword, const std::vector<std::string>& words);

// Flags the parser knows (BuildKit's instructions accept them) but
// docker's classic builder refuses when it runs the instruction: RUN's
// --mount/--network/--security, COPY/ADD's --link, --parents, --exclude,
// --checksum, --keep-git-dir. "the --network option requires BuildKit. ..."
absl::Status CheckClassicBuilderFlags(const Instruction& instruction);

}  // namespace berth::builder

#endif  // BERTH_SERVICES_BUILDER_DOCKERFILE_INSTRUCTION_FLAGS_H_
