#ifndef BERTH_SERVICES_BUILDER_DISPATCH_STAGE_STATE_H_
#define BERTH_SERVICES_BUILDER_DISPATCH_STAGE_STATE_H_

// One build stage as docker's classic builder dispatches it
// (builder/dockerfile/dispatchers.go, evaluator.go): the image config the
// stage is building, instruction by instruction, with variable expansion
// applied where docker applies it, and what each step asks the builder to
// do. Running containers and storing layers is the builder's part.

#include <map>
#include <string>
#include <vector>

#include "absl/status/statusor.h"
#include "nlohmann/json.hpp"
#include "services/builder/dispatch/build_args.h"
#include "services/builder/dispatch/step_plan.h"
#include "services/builder/dockerfile/instruction.h"

namespace berth::builder {

class StageState {
 public:
  // `base_config`: the base image's "config" object (null or {} for
  // scratch). Its OnBuild triggers are taken out (see BaseTriggers), a
  // default PATH is added, as docker does. `args` are the build's args (after
  // the global ARGs); the stage declares its own on a copy and reports what
  // it referenced back, for the unused-args warning. `escape` is the
  // Dockerfile's escape character.
  StageState(nlohmann::json base_config, BuildArgs* args, char escape = '\\');

  // The base image's ONBUILD triggers, parsed, for the builder to Dispatch
  // before the stage's own instructions (after printing
  // BuildTriggersBanner in build_output.h). Refused as docker refuses them: a trigger that is
  // not one instruction, ONBUILD ONBUILD, FROM, an unknown instruction.
  absl::StatusOr<std::vector<Instruction>> BaseTriggers() const;

  // One instruction (not FROM: see ExpandFromName) → its plan; the config
  // moves on only when it succeeds. ENV, LABEL, ADD, COPY, WORKDIR, USER,
  // VOLUME, STOPSIGNAL, ARG and EXPOSE are expanded with the stage's Env and
  // build args; RUN, CMD, ENTRYPOINT, SHELL, HEALTHCHECK, MAINTAINER and
  // ONBUILD are not. Errors are InvalidArgument with docker's texts.
  absl::StatusOr<StepPlan> Dispatch(const Instruction& instruction);

  const nlohmann::json& config() const { return config_; }
  // MAINTAINER's text: the image's "author". Not inherited from the base.
  const std::string& author() const { return author_; }
  const BuildArgs& args() const { return stage_args_; }

 private:
  absl::StatusOr<StepPlan> Env(const Instruction& instruction);
  absl::StatusOr<StepPlan> Label(const Instruction& instruction);
  absl::StatusOr<StepPlan> CopyOrAdd(const Instruction& instruction);
  absl::StatusOr<StepPlan> Workdir(const Instruction& instruction);
  absl::StatusOr<StepPlan> Run(const Instruction& instruction);
  absl::StatusOr<StepPlan> Cmd(const Instruction& instruction);
  absl::StatusOr<StepPlan> Entrypoint(const Instruction& instruction);
  absl::StatusOr<StepPlan> Healthcheck(const Instruction& instruction);
  absl::StatusOr<StepPlan> Expose(const Instruction& instruction);
  absl::StatusOr<StepPlan> Volume(const Instruction& instruction);
  absl::StatusOr<StepPlan> Arg(const Instruction& instruction);

  // Variables an expanded instruction sees: Env, then the build args no
  // ENV shadows.
  std::map<std::string, std::string> ExpansionEnv() const;
  absl::StatusOr<std::string> Expand(const std::string& word) const;

  // A config-only step: history "<shell> #(nop)  <comment>".
  StepPlan Commit(const std::string& comment) const;
  // WORKDIR/COPY/ADD's older form: "<shell> #(nop) <comment>".
  StepPlan CommitSingle(StepKind kind, const std::string& comment) const;
  StepPlan Plan(StepKind kind, std::vector<std::string> cmd) const;

  nlohmann::json config_;
  BuildArgs* build_args_;
  BuildArgs stage_args_;
  char escape_;
  bool cmd_set_ = false;  // docker's cmdSet: a CMD in this stage
  std::string author_;
  std::vector<std::string> base_triggers_;
  // Expansion needs the env of before the instruction: cached per Dispatch.
  std::map<std::string, std::string> env_;
};

}  // namespace berth::builder

#endif  // BERTH_SERVICES_BUILDER_DISPATCH_STAGE_STATE_H_
