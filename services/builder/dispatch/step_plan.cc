#include "services/builder/dispatch/step_plan.h"

#include "absl/strings/str_join.h"
#include "absl/strings/str_replace.h"
#include "services/builder/dispatch/run_config.h"
#include "services/common/digest/sha256.h"

namespace berth::builder {

std::string CopySourceHash(const std::vector<std::string>& source_hashes) {
  if (source_hashes.size() == 1) return source_hashes[0];
  // docker's hashStringSlice("multi", ...): the digest's hex only.
  std::string digest = Sha256::Of(absl::StrJoin(source_hashes, ","));
  return "multi:" + digest.substr(digest.find(':') + 1);
}

void FillSourceHash(StepPlan& plan, const std::string& source_hash) {
  auto fill = [&](const std::string& text) {
    return absl::StrReplaceAll(text, {{kSourceHashPlaceholder, source_hash}});
  };
  plan.created_by = fill(plan.created_by);
  std::vector<std::string> cmd = StringList(plan.container_config, "Cmd");
  if (!cmd.empty()) {
    cmd.back() = fill(cmd.back());
    plan.container_config["Cmd"] = cmd;
  }
  plan.cache_key = CacheKeyOf(plan.container_config);
}

}  // namespace berth::builder
