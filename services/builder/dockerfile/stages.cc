#include "services/builder/dockerfile/stages.h"

#include "absl/strings/ascii.h"
#include "absl/strings/numbers.h"

namespace berth::builder {

Stages GroupStages(const Dockerfile& dockerfile) {
  Stages grouped;
  for (const Instruction& instruction : dockerfile.instructions) {
    if (instruction.keyword == "FROM") {
      grouped.stages.push_back(Stage{instruction, {}});
    } else if (grouped.stages.empty()) {
      grouped.global_args.push_back(instruction);
    } else {
      grouped.stages.back().instructions.push_back(instruction);
    }
  }
  return grouped;
}

int FindStage(const Stages& stages, const std::string& ref) {
  std::string name = absl::AsciiStrToLower(ref);
  for (size_t index = 0; index < stages.stages.size(); ++index) {
    const std::string& stage_name = stages.stages[index].from.stage_name;
    if (!stage_name.empty() && stage_name == name) {
      return static_cast<int>(index);
    }
  }
  int index = -1;
  bool all_digits = !ref.empty();
  for (char ch : ref) all_digits = all_digits && absl::ascii_isdigit(ch);
  if (all_digits && absl::SimpleAtoi(ref, &index) && index >= 0 &&
      index < static_cast<int>(stages.stages.size())) {
    return index;
  }
  return -1;
}

const std::vector<std::string>& PredefinedProxyArgs() {
  static const std::vector<std::string> kArgs = {
      "HTTP_PROXY", "http_proxy", "HTTPS_PROXY", "https_proxy", "FTP_PROXY",
      "ftp_proxy",  "NO_PROXY",   "no_proxy",    "ALL_PROXY",   "all_proxy"};
  return kArgs;
}

}  // namespace berth::builder
