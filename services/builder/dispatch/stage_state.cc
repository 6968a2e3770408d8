#include "services/builder/dispatch/stage_state.h"

#include <optional>
#include <utility>

#include "absl/status/status.h"
#include "absl/strings/match.h"
#include "absl/strings/str_cat.h"
#include "absl/strings/str_join.h"
#include "services/builder/dispatch/expose_ports.h"
#include "services/builder/dispatch/go_format.h"
#include "services/builder/dispatch/run_config.h"
#include "services/builder/dispatch/stop_signal.h"
#include "services/builder/dockerfile/instruction_flags.h"
#include "services/builder/dockerfile/instruction_parser.h"
#include "services/builder/dockerfile/logical_lines.h"
#include "services/builder/dockerfile/shell_word.h"

namespace berth::builder {
namespace {

absl::Status Invalid(const std::string& text) {
  return absl::InvalidArgumentError(text);
}

std::string FlagOr(const Instruction& instruction, const char* name) {
  const std::string* value = instruction.Flag(name);
  return value == nullptr ? "" : *value;
}

// docker's resolveCmdLine: the JSON form as is, the shell form after the
// shell. `empty_as_nil` is ENTRYPOINT's: no arguments → no entrypoint.
std::optional<std::vector<std::string>> ResolveCmdLine(
    const Instruction& instruction, const nlohmann::json& config,
    bool empty_as_nil) {
  const std::vector<std::string>& args = instruction.args;
  if (empty_as_nil && args.empty()) return std::nullopt;
  if (instruction.json_form) return args;
  // handleJSONArgs joins the shell form into one word; a bare CMD still
  // gets the shell prepended, as docker does.
  std::vector<std::string> cmd = ShellOf(config);
  if (!args.empty()) cmd.push_back(absl::StrJoin(args, " "));
  return cmd;
}

// docker's normalizeWorkdir (Unix): relative paths join the current one.
std::string NormalizeWorkdir(const std::string& current,
                             const std::string& requested) {
  if (absl::StartsWith(requested, "/")) return requested;
  return GoPathClean(absl::StrCat("/", current, "/", requested));
}

// docker's normalizeDest: relative to WorkingDir, keeping a trailing "/".
std::string NormalizeDest(const std::string& working_dir,
                          const std::string& requested) {
  if (absl::StartsWith(requested, "/")) return requested;
  std::string dest = GoPathClean(absl::StrCat("/", working_dir, "/", requested));
  if (absl::EndsWith(requested, "/") && dest != "/") dest += "/";
  return dest;
}

nlohmann::json ObjectField(const nlohmann::json& config, const char* key) {
  auto it = config.find(key);
  if (it == config.end() || !it->is_object()) return nlohmann::json::object();
  return *it;
}

}  // namespace

StageState::StageState(nlohmann::json base_config, BuildArgs* args,
                       char escape)
    : config_(std::move(base_config)),
      build_args_(args),
      stage_args_(args->ForStage()),
      escape_(escape) {
  PrepareStageConfig(config_);
  base_triggers_ = StringList(config_, "OnBuild");
  // docker clears them before running them: they do not carry over into
  // this image unless it declares its own.
  if (!base_triggers_.empty()) config_["OnBuild"] = nullptr;
}

absl::StatusOr<std::vector<Instruction>> StageState::BaseTriggers() const {
  std::vector<Instruction> triggers;
  for (const std::string& trigger : base_triggers_) {
    auto context = [&](const absl::Status& status) {
      return Invalid(absl::StrCat("base image ONBUILD trigger ",
                                  GoQuote(trigger), ": ", status.message()));
    };
    absl::StatusOr<SplitDockerfile> split = SplitLogicalLines(trigger);
    if (!split.ok()) return context(split.status());
    if (split->lines.size() != 1) {
      return context(Invalid("onbuild trigger should be a single expression"));
    }
    absl::StatusOr<Instruction> instruction =
        ParseInstruction(split->lines[0], split->directives.escape);
    if (!instruction.ok()) return context(instruction.status());
    if (instruction->keyword == "FROM") {
      return context(Invalid("FROM isn't allowed as an ONBUILD trigger"));
    }
    triggers.push_back(std::move(*instruction));
  }
  return triggers;
}

std::map<std::string, std::string> StageState::ExpansionEnv() const {
  // docker's lexer takes the first entry of a name: Env before build args.
  std::map<std::string, std::string> env;
  std::vector<std::string> entries = StringList(config_, "Env");
  for (const std::string& entry : stage_args_.FilterAllowed(entries)) {
    entries.push_back(entry);
  }
  for (const std::string& entry : entries) {
    size_t equals = entry.find('=');
    if (equals == std::string::npos) {
      env.emplace(entry, "");
    } else {
      env.emplace(entry.substr(0, equals), entry.substr(equals + 1));
    }
  }
  return env;
}

absl::StatusOr<std::string> StageState::Expand(const std::string& word) const {
  return ProcessWord(word, env_, escape_);
}

StepPlan StageState::Plan(StepKind kind, std::vector<std::string> cmd) const {
  StepPlan plan;
  plan.kind = kind;
  plan.created_by = absl::StrJoin(cmd, " ");
  plan.config = config_;
  plan.container_config = config_;
  plan.container_config["Cmd"] = std::move(cmd);
  plan.author = author_;
  plan.cache_key = CacheKeyOf(plan.container_config);
  return plan;
}

StepPlan StageState::Commit(const std::string& comment) const {
  std::vector<std::string> cmd = ShellOf(config_);
  cmd.push_back("#(nop) ");
  cmd.push_back(comment);
  return Plan(StepKind::kMetadata, std::move(cmd));
}

StepPlan StageState::CommitSingle(StepKind kind,
                                  const std::string& comment) const {
  std::vector<std::string> cmd = ShellOf(config_);
  cmd.push_back("#(nop) " + comment);
  return Plan(kind, std::move(cmd));
}

absl::StatusOr<StepPlan> StageState::Dispatch(const Instruction& instruction) {
  const std::string& keyword = instruction.keyword;
  if (keyword == "FROM") {
    return Invalid("FROM starts a new stage: it is not dispatched in one");
  }
  if (absl::Status status = CheckClassicBuilderFlags(instruction);
      !status.ok()) {
    return status;
  }
  if (keyword == "RUN" && !instruction.flags.empty()) {
    // The classic builder's RUN takes no flag at all.
    return Invalid(absl::StrCat("the --", instruction.flags[0].first,
                                " option requires BuildKit. Refer to "
                                "https://docs.docker.com/go/buildkit/ to "
                                "learn how to build images with BuildKit "
                                "enabled"));
  }
  env_ = ExpansionEnv();
  // The config changes only when the whole instruction succeeded.
  nlohmann::json before = config_;
  bool cmd_set_before = cmd_set_;
  absl::StatusOr<StepPlan> plan;
  if (keyword == "ENV") {
    plan = Env(instruction);
  } else if (keyword == "LABEL") {
    plan = Label(instruction);
  } else if (keyword == "MAINTAINER") {
    author_ = instruction.args.empty() ? "" : instruction.args[0];
    plan = Commit("MAINTAINER " + author_);
  } else if (keyword == "COPY" || keyword == "ADD") {
    plan = CopyOrAdd(instruction);
  } else if (keyword == "WORKDIR") {
    plan = Workdir(instruction);
  } else if (keyword == "RUN") {
    plan = Run(instruction);
  } else if (keyword == "CMD") {
    plan = Cmd(instruction);
  } else if (keyword == "ENTRYPOINT") {
    plan = Entrypoint(instruction);
  } else if (keyword == "HEALTHCHECK") {
    plan = Healthcheck(instruction);
  } else if (keyword == "EXPOSE") {
    plan = Expose(instruction);
  } else if (keyword == "USER") {
    absl::StatusOr<std::string> user = Expand(instruction.args.at(0));
    if (!user.ok()) return user.status();
    config_["User"] = *user;
    plan = Commit("USER " + *user);
  } else if (keyword == "VOLUME") {
    plan = Volume(instruction);
  } else if (keyword == "STOPSIGNAL") {
    absl::StatusOr<std::string> signal = Expand(instruction.args.at(0));
    if (!signal.ok()) return signal.status();
    if (absl::Status status = CheckStopSignal(*signal); !status.ok()) {
      return status;
    }
    config_["StopSignal"] = *signal;
    plan = Commit("STOPSIGNAL " + *signal);
  } else if (keyword == "ARG") {
    plan = Arg(instruction);
  } else if (keyword == "SHELL") {
    config_["Shell"] = instruction.args;
    plan = Commit("SHELL " + GoPlainList(instruction.args));
  } else if (keyword == "ONBUILD") {
    std::vector<std::string> triggers = StringList(config_, "OnBuild");
    triggers.push_back(instruction.trigger_text);
    config_["OnBuild"] = triggers;
    plan = Commit("ONBUILD " + instruction.trigger_text);
  } else {
    plan = Invalid(absl::StrCat("unsupported command type: ", keyword));
  }
  if (!plan.ok()) {
    config_ = std::move(before);
    cmd_set_ = cmd_set_before;
  }
  return plan;
}

absl::StatusOr<StepPlan> StageState::Env(const Instruction& instruction) {
  // All pairs see the env of before the line: `ENV A=1 B=$A` gives B the
  // old A, as docker.
  std::vector<std::pair<std::string, std::string>> pairs;
  for (const KeyValue& pair : instruction.pairs) {
    absl::StatusOr<std::string> key = Expand(pair.key);
    if (!key.ok()) return key.status();
    absl::StatusOr<std::string> value = Expand(pair.value.value_or(""));
    if (!value.ok()) return value.status();
    pairs.emplace_back(std::move(*key), std::move(*value));
  }
  std::vector<std::string> env = StringList(config_, "Env");
  std::string message = "ENV";
  for (const auto& [key, value] : pairs) {
    std::string entry = absl::StrCat(key, "=", value);
    absl::StrAppend(&message, " ", entry);
    bool replaced = false;
    for (std::string& existing : env) {
      if (existing.substr(0, existing.find('=')) == key) {
        existing = entry;
        replaced = true;
        break;
      }
    }
    if (!replaced) env.push_back(entry);
  }
  config_["Env"] = env;
  return Commit(message);
}

absl::StatusOr<StepPlan> StageState::Label(const Instruction& instruction) {
  nlohmann::json labels = ObjectField(config_, "Labels");
  std::string message = "LABEL";
  for (const KeyValue& pair : instruction.pairs) {
    absl::StatusOr<std::string> key = Expand(pair.key);
    if (!key.ok()) return key.status();
    absl::StatusOr<std::string> value = Expand(pair.value.value_or(""));
    if (!value.ok()) return value.status();
    labels[*key] = *value;
    absl::StrAppend(&message, " ", *key, "=", *value);
  }
  config_["Labels"] = labels;
  return Commit(message);
}

absl::StatusOr<StepPlan> StageState::CopyOrAdd(const Instruction& instruction) {
  const std::string& keyword = instruction.keyword;
  // --chmod: docker's classic builder refused it until BuildKit's meaning
  // (an octal mode for what is copied) became the only one; berth has it.
  std::string chmod = FlagOr(instruction, "chmod");
  if (!chmod.empty() && (chmod.size() > 4 || chmod.find_first_not_of("01234567") != std::string::npos)) {
    return Invalid(absl::StrCat("invalid chmod parameter: ", chmod, " (an octal mode)"));
  }
  std::vector<std::string> sources;
  for (const std::string& source : instruction.sources) {
    absl::StatusOr<std::string> expanded = Expand(source);
    if (!expanded.ok()) return expanded.status();
    sources.push_back(std::move(*expanded));
  }
  absl::StatusOr<std::string> dest = Expand(instruction.destination);
  if (!dest.ok()) return dest.status();
  absl::StatusOr<std::string> chown = Expand(FlagOr(instruction, "chown"));
  if (!chown.ok()) return chown.status();
  // docker checks this after matching wildcards too; several named sources
  // can be refused before reading any.
  if (sources.size() > 1 && !absl::EndsWith(*dest, "/")) {
    return Invalid(absl::StrCat(
        "When using ", keyword,
        " with more than one source file, the destination must be a "
        "directory and end with a /"));
  }
  // docker's performCopy comment: no blank between --chown and the hash.
  std::string comment =
      absl::StrCat(keyword, " ", chown->empty() ? "" : "--chown=" + *chown,
                   kSourceHashPlaceholder, " in ", *dest, " ");
  StepPlan plan = CommitSingle(
      keyword == "ADD" ? StepKind::kAdd : StepKind::kCopy, comment);
  plan.sources = std::move(sources);
  plan.destination = NormalizeDest(StringField(config_, "WorkingDir"), *dest);
  plan.from = FlagOr(instruction, "from");
  plan.chown = std::move(*chown);
  plan.chmod = std::move(chmod);
  return plan;
}

absl::StatusOr<StepPlan> StageState::Workdir(const Instruction& instruction) {
  absl::StatusOr<std::string> path = Expand(instruction.args.at(0));
  if (!path.ok()) return path.status();
  if (path->empty()) return Invalid("cannot normalize nothing");
  std::string directory =
      NormalizeWorkdir(StringField(config_, "WorkingDir"), *path);
  config_["WorkingDir"] = directory;
  StepPlan plan = CommitSingle(StepKind::kWorkdir, "WORKDIR " + directory);
  plan.directory = directory;
  return plan;
}

absl::StatusOr<StepPlan> StageState::Run(const Instruction& instruction) {
  std::vector<std::string> cmd =
      ResolveCmdLine(instruction, config_, /*empty_as_nil=*/false).value();
  std::vector<std::string> env = StringList(config_, "Env");
  std::vector<std::string> build_args = stage_args_.FilterAllowed(env);

  // docker's prependEnvOnCmd: "|N k=v ..." before the command in history
  // and cache, without proxy args no ARG declared.
  std::vector<std::string> saved = cmd;
  if (!build_args.empty()) {
    std::vector<std::string> recorded;
    for (const std::string& entry : build_args) {
      if (stage_args_.IsReferencedOrNotBuiltin(
              entry.substr(0, entry.find('=')))) {
        recorded.push_back(entry);
      }
    }
    saved = {absl::StrCat("|", recorded.size())};
    saved.insert(saved.end(), recorded.begin(), recorded.end());
    saved.insert(saved.end(), cmd.begin(), cmd.end());
  }

  StepPlan plan = Plan(StepKind::kRun, saved);
  plan.container_config.erase("ArgsEscaped");
  if (!saved.empty()) plan.container_config["Entrypoint"] = nullptr;
  plan.cache_key = CacheKeyOf(plan.container_config);
  plan.argv = std::move(cmd);
  plan.env = std::move(env);
  plan.env.insert(plan.env.end(), build_args.begin(), build_args.end());
  return plan;
}

absl::StatusOr<StepPlan> StageState::Cmd(const Instruction& instruction) {
  std::vector<std::string> cmd =
      ResolveCmdLine(instruction, config_, /*empty_as_nil=*/false).value();
  config_["Cmd"] = cmd;
  config_.erase("ArgsEscaped");  // false on Linux, which docker omits
  if (!instruction.args.empty()) cmd_set_ = true;
  return Commit("CMD " + GoQuotedList(cmd));
}

absl::StatusOr<StepPlan> StageState::Entrypoint(
    const Instruction& instruction) {
  std::optional<std::vector<std::string>> entrypoint =
      ResolveCmdLine(instruction, config_, /*empty_as_nil=*/true);
  SetStringList(config_, "Entrypoint", entrypoint);
  config_.erase("ArgsEscaped");
  // A CMD of the base makes no sense with a new entrypoint; one set in
  // this stage stays.
  if (!cmd_set_) config_["Cmd"] = nullptr;
  return Commit("ENTRYPOINT " + GoQuotedList(entrypoint.value_or(
                                    std::vector<std::string>{})));
}

absl::StatusOr<StepPlan> StageState::Healthcheck(
    const Instruction& instruction) {
  if (!instruction.health.has_value()) {
    return Invalid("HEALTHCHECK without a parsed health check");
  }
  const HealthCheck& health = *instruction.health;
  std::vector<std::string> warnings;
  auto old = config_.find("Healthcheck");
  if (old != config_.end() && old->is_object()) {
    std::vector<std::string> old_test = StringList(*old, "Test");
    if (!old_test.empty() && old_test[0] != "NONE") {
      warnings.push_back("Note: overriding previous HEALTHCHECK: " +
                         GoPlainList(old_test));
    }
  }
  // Go's omitempty: zero durations and retries are not written.
  nlohmann::json check = {{"Test", health.test}};
  if (health.interval_ns != 0) check["Interval"] = health.interval_ns;
  if (health.timeout_ns != 0) check["Timeout"] = health.timeout_ns;
  if (health.start_period_ns != 0) check["StartPeriod"] = health.start_period_ns;
  if (health.start_interval_ns != 0) {
    check["StartInterval"] = health.start_interval_ns;
  }
  if (health.retries != 0) check["Retries"] = health.retries;
  config_["Healthcheck"] = check;
  // fmt's %q of docker's *HealthConfig (v20.10-v24: no StartInterval).
  StepPlan plan = Commit(absl::StrCat(
      "HEALTHCHECK &{", GoQuotedList(health.test), " ",
      GoQuote(GoDuration(health.interval_ns)), " ",
      GoQuote(GoDuration(health.timeout_ns)), " ",
      GoQuote(GoDuration(health.start_period_ns)), " ",
      GoQuoteRune(health.retries), "}"));
  plan.warnings = std::move(warnings);
  return plan;
}

absl::StatusOr<StepPlan> StageState::Expose(const Instruction& instruction) {
  // EXPOSE is the one instruction where a variable may expand into several
  // words: `EXPOSE $PORTS` with PORTS="80 443".
  std::vector<std::string> ports;
  for (const std::string& word : instruction.args) {
    absl::StatusOr<std::vector<std::string>> words =
        ProcessWords(word, env_, escape_);
    if (!words.ok()) return words.status();
    ports.insert(ports.end(), words->begin(), words->end());
  }
  nlohmann::json exposed = ObjectField(config_, "ExposedPorts");
  for (const std::string& port : ports) {
    absl::StatusOr<std::vector<std::string>> keys = ExposedPortKeys(port);
    if (!keys.ok()) return keys.status();
    for (const std::string& key : *keys) {
      exposed[key] = nlohmann::json::object();
    }
  }
  config_["ExposedPorts"] = exposed;
  return Commit("EXPOSE " + absl::StrJoin(ports, " "));
}

absl::StatusOr<StepPlan> StageState::Volume(const Instruction& instruction) {
  std::vector<std::string> volumes;
  for (const std::string& word : instruction.args) {
    absl::StatusOr<std::string> volume = Expand(word);
    if (!volume.ok()) return volume.status();
    if (volume->empty()) {
      return Invalid("VOLUME specified can not be an empty string");
    }
    volumes.push_back(std::move(*volume));
  }
  nlohmann::json set = ObjectField(config_, "Volumes");
  for (const std::string& volume : volumes) {
    set[volume] = nlohmann::json::object();
  }
  config_["Volumes"] = set;
  return Commit("VOLUME " + GoPlainList(volumes));
}

absl::StatusOr<StepPlan> StageState::Arg(const Instruction& instruction) {
  std::vector<std::pair<std::string, std::optional<std::string>>> args;
  for (const KeyValue& pair : instruction.pairs) {
    absl::StatusOr<std::string> key = Expand(pair.key);
    if (!key.ok()) return key.status();
    std::optional<std::string> value;
    if (pair.value.has_value()) {
      absl::StatusOr<std::string> expanded = Expand(*pair.value);
      if (!expanded.ok()) return expanded.status();
      value = std::move(*expanded);
    }
    args.emplace_back(std::move(*key), std::move(value));
  }
  std::vector<std::string> words;
  for (auto& [key, value] : args) {
    words.push_back(value.has_value() ? absl::StrCat(key, "=", *value) : key);
    stage_args_.AddArg(key, std::move(value));
  }
  build_args_->MergeReferenced(stage_args_);
  return Commit("ARG " + absl::StrJoin(words, " "));
}

}  // namespace berth::builder
