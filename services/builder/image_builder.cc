#include "services/builder/image_builder.h"

#include <sys/stat.h>

#include <functional>
#include <optional>

#include "absl/strings/ascii.h"
#include "absl/strings/str_cat.h"
#include "nlohmann/json.hpp"
#include "services/builder/context/context_tar.h"
#include "services/builder/context/copy_sources.h"
#include "services/builder/dispatch/build_output.h"
#include "services/builder/dispatch/from_image.h"
#include "services/builder/dispatch/stage_state.h"
#include "services/builder/dockerfile/parser.h"
#include "services/builder/copy_target.h"
#include "services/builder/image_view.h"
#include "services/builder/layer_step.h"
#include "services/builder/registry_auth.h"
#include "services/builder/remote_source.h"
#include "services/builder/run_step.h"
#include "services/builder/scratch_dir.h"
#include "services/builder/stage_graph.h"
#include "services/common/digest/sha256.h"
#include "services/images/reference.h"

namespace berth::builder {
namespace {

absl::Status Invalid(const std::string& text) { return absl::InvalidArgumentError(text); }

nlohmann::json ConfigObject(const std::string& image_config_json) {
  auto config = nlohmann::json::parse(image_config_json, nullptr, false);
  if (config.is_object() && config.contains("config") && config["config"].is_object()) {
    return config["config"];
  }
  return nlohmann::json::object();
}

}  // namespace

absl::StatusOr<ImageBuilder::Image> ImageBuilder::GetImage(const std::string& ref) {
  berth::images::v1::GetImageRequest request;
  request.set_ref(ref);
  berth::images::v1::ImageDetail detail;
  auto context = CallIn(inputs_->ns);
  grpc::Status status = backends_->images->Get(context.get(), request, &detail);
  if (!status.ok()) {
    return absl::Status(static_cast<absl::StatusCode>(status.error_code()),
                        status.error_message());
  }
  return Image{detail.id(), detail.chain_id(), detail.config_json()};
}

absl::StatusOr<ImageBuilder::Image> ImageBuilder::Pull(const std::string& ref, const Emit& emit) {
  berth::images::v1::PullRequest request;
  request.set_ref(ref);
  if (auto auth = RegistryAuthFor(ref, inputs_->options->registry_auth()); auth) {
    *request.mutable_auth() = *auth;
  }
  auto context = CallIn(inputs_->ns);
  CancelToken::Scope cancellable(cancel_, context.get());
  auto reader = backends_->images->Pull(context.get(), request);
  berth::images::v1::PullResponse response;
  while (reader->Read(&response)) {
    if (response.has_progress() && !response.progress().status().empty() &&
        response.progress().current() == 0) {
      const auto& progress = response.progress();
      emit(progress.id().empty() ? progress.status() + "\n"
                                 : absl::StrCat(progress.id(), ": ", progress.status(), "\n"));
    }
    for (const std::string& message : response.messages()) emit(message + "\n");
  }
  grpc::Status status = reader->Finish();
  if (!status.ok()) return FromGrpc(status, "pull " + ref);
  return GetImage(ref);
}

absl::StatusOr<ImageBuilder::Image> ImageBuilder::BaseImage(const std::string& ref,
                                                            const Emit& emit) {
  if (inputs_->options->pull()) return Pull(ref, emit);
  auto image = GetImage(ref);
  if (image.ok() || !absl::IsNotFound(image.status())) return image;
  return Pull(ref, emit);
}

absl::Status ImageBuilder::LoadCacheFrom() {
  if (inputs_->options->cache_from_size() == 0) return absl::OkStatus();
  cache_from_.emplace();
  std::set<std::string> seen;
  for (const std::string& ref : inputs_->options->cache_from()) {
    // docker ignores a --cache-from image it does not have.
    std::string id = ref;
    while (!id.empty() && seen.insert(id).second) {
      berth::images::v1::GetImageRequest request;
      request.set_ref(id);
      berth::images::v1::ImageDetail detail;
      auto context = CallIn(inputs_->ns);
      if (!backends_->images->Get(context.get(), request, &detail).ok()) break;
      auto config = nlohmann::json::parse(detail.config_json(), nullptr, false);
      CacheCandidate candidate{detail.id(), detail.parent(), "", ConfigObject(detail.config_json()).dump()};
      if (config.is_object() && config.contains("history") && config["history"].is_array() &&
          !config["history"].empty() && config["history"].back().is_object()) {
        candidate.created_by = config["history"].back().value("created_by", "");
      }
      cache_from_->push_back(std::move(candidate));
      seen.insert(detail.id());
      id = detail.parent();
    }
  }
  return absl::OkStatus();
}

absl::StatusOr<std::optional<ImageBuilder::Image>> ImageBuilder::CacheLookup(
    const StepPlan& plan) {
  if (inputs_->options->no_cache()) return std::optional<Image>();
  std::optional<std::string> hit;
  std::string digest = Sha256::Of(plan.cache_key);
  if (cache_from_) {
    // --cache-from: only the named images' chains, matched as docker's
    // classic builder matches them: same parent, same step, same config.
    const std::string config = plan.config.dump();
    for (const CacheCandidate& candidate : *cache_from_) {
      if (candidate.parent == current_.id && candidate.created_by == plan.created_by &&
          candidate.config == config) {
        hit = candidate.id;
        break;
      }
    }
  } else {
    auto found = cache_->Lookup(inputs_->ns, current_.id, digest);
    if (!found.ok()) return found.status();
    hit = *found;
  }
  if (!hit) return std::optional<Image>();
  auto image = GetImage(*hit);
  if (!image.ok()) {
    // An image removed since: a miss, and the entry goes.
    if (!cache_from_) (void)cache_->Forget(inputs_->ns, current_.id, digest);
    return std::optional<Image>();
  }
  return std::optional<Image>(*std::move(image));
}

absl::StatusOr<ImageBuilder::StepResult> ImageBuilder::CopyStep(StepPlan& plan,
                                                                const std::string& config_json,
                                                                const Emit& emit) {
  buildcontext::CopyRequest request;
  std::unique_ptr<ImageView> source_view;
  request.root = inputs_->context_dir;
  if (!plan.from.empty()) {
    int index = FindStage(stages_, plan.from);
    Image source;
    if (index >= 0) {
      source = stage_results_.at(index);
    } else {
      auto image = BaseImage(plan.from, emit);
      if (!image.ok()) return image.status();
      source = *image;
    }
    auto view = ImageView::Open(backends_, source.chain_id, scratch_dir_);
    if (!view.ok()) return view.status();
    source_view = *std::move(view);
    request.root = source_view->root().empty() ? scratch_dir_ + "/empty" : source_view->root();
    request.from_image = true;
  }
  request.sources = plan.sources;
  request.extract_archives = plan.kind == StepKind::kAdd;
  // ADD <url>: fetched here, then copied as a file of its own directory.
  std::unique_ptr<ScratchDir> downloads;
  size_t remote = 0;
  for (const std::string& source : plan.sources) remote += IsRemoteSource(source);
  if (remote > 0) {
    if (plan.kind == StepKind::kCopy) {
      return Invalid("COPY failed: source can't be a URL for COPY");
    }
    if (remote != plan.sources.size() || !plan.from.empty()) {
      return Invalid("ADD failed: remote URLs and local files cannot be added in one step");
    }
    auto made = ScratchDir::Make(scratch_dir_ + "/downloads");
    if (!made.ok()) return made.status();
    downloads = *std::move(made);
    request.sources.clear();
    for (const std::string& url : plan.sources) {
      emit(absl::StrCat("Downloading ", url, "\n"));
      auto name = DownloadSource(url, downloads->path());
      if (!name.ok()) return name.status();
      request.sources.push_back(*name);
    }
    request.root = downloads->path();
    request.extract_archives = false;
  }
  request.destination = plan.destination;
  if (!plan.chmod.empty()) {
    uint32_t mode = 0;
    for (char c : plan.chmod) mode = mode * 8 + static_cast<uint32_t>(c - '0');
    request.chmod = mode;
  }
  auto parent_view = ImageView::Open(backends_, current_.chain_id, scratch_dir_);
  if (!parent_view.ok()) return parent_view.status();
  const std::string parent_root = (*parent_view)->root();
  if (absl::Status chown = ResolveChown(plan.chown, parent_root, &request); !chown.ok()) {
    return chown;
  }
  request.destination_kind = [&parent_root](const std::string& path) {
    return KindInRoot(parent_root, path);
  };
  auto checksum = buildcontext::SourcesChecksum(request);
  if (!checksum.ok()) return checksum.status();
  std::string hex = checksum->substr(checksum->find(':') + 1);
  struct stat st;
  bool single_dir = plan.sources.size() == 1 &&
                    ::stat(absl::StrCat(request.root, "/", plan.sources[0]).c_str(), &st) == 0 &&
                    S_ISDIR(st.st_mode);
  FillSourceHash(plan, plan.sources.size() > 1 ? "multi:" + hex
                                               : (single_dir ? "dir:" : "file:") + hex);
  auto hit = CacheLookup(plan);
  if (!hit.ok()) return hit.status();
  if (*hit) return StepResult{**hit, true};
  LayerStep step{inputs_->ns, current_.id, current_.chain_id, config_json, plan.created_by,
                 author_};
  auto id = CommitFiles(backends_, scratch_dir_, step, [&](const archive::WriteChunk& write) {
    return buildcontext::WriteCopyTar(request, write).status();
  });
  if (!id.ok()) return id.status();
  auto image = GetImage(*id);
  if (!image.ok()) return image.status();
  return StepResult{*std::move(image), false};
}

absl::StatusOr<ImageBuilder::StepResult> ImageBuilder::PlainStep(const StepPlan& plan,
                                                                 const std::string& config_json,
                                                                 const Emit& emit) {
  auto hit = CacheLookup(plan);
  if (!hit.ok()) return hit.status();
  if (*hit) return StepResult{**hit, true};
  absl::StatusOr<std::string> id = absl::InternalError("unknown step kind");
  switch (plan.kind) {
    case StepKind::kMetadata:
      id = CommitConfig(backends_, inputs_->ns, current_.id, config_json, plan.created_by,
                        author_);
      break;
    case StepKind::kRun: {
      RunStepRunner runner(backends_, containers_, inputs_->options, cancel_);
      RunStep step;
      step.ns = inputs_->ns;
      step.parent_image = current_.id;
      step.argv = plan.argv;
      step.env = plan.env;
      step.user = plan.config.value("User", "");
      step.working_dir = plan.config.value("WorkingDir", "");
      step.config_json = config_json;
      step.created_by = plan.created_by;
      step.author = author_;
      if (current_.id.empty()) {
        return Invalid("no image to run the command in: FROM scratch has no files");
      }
      id = runner.Run(step, emit);
      break;
    }
    case StepKind::kWorkdir: {
      LayerStep step{inputs_->ns, current_.id, current_.chain_id, config_json, plan.created_by,
                     author_, /*keep_existing_directories=*/true};
      id = CommitFiles(backends_, scratch_dir_, step, [&](const archive::WriteChunk& write) {
        return buildcontext::WriteDirectoryTar(plan.directory, write);
      });
      break;
    }
    case StepKind::kCopy:
    case StepKind::kAdd:
      return absl::InternalError("COPY and ADD are CopyStep's");
  }
  if (!id.ok()) return id.status();
  auto image = GetImage(*id);
  if (!image.ok()) return image.status();
  return StepResult{*std::move(image), false};
}

absl::Status ImageBuilder::Step(StepPlan plan, const Emit& emit) {
  if (cancel_->cancelled()) return absl::CancelledError("the build was cancelled");
  for (const std::string& warning : plan.warnings) emit(warning + "\n");
  if (!plan.author.empty()) author_ = plan.author;
  std::string config_json = nlohmann::json{{"config", plan.config}}.dump();
  bool copies = plan.kind == StepKind::kCopy || plan.kind == StepKind::kAdd;
  auto result = copies ? CopyStep(plan, config_json, emit) : PlainStep(plan, config_json, emit);
  if (!result.ok()) return result.status();
  if (result->cached) {
    emit(" ---> Using cache\n");
  } else if (absl::Status recorded = cache_->Record(inputs_->ns, current_.id,
                                                    Sha256::Of(plan.cache_key), result->image.id);
             !recorded.ok()) {
    return recorded;
  }
  emit(absl::StrCat(" ---> ", ShortId(result->image.id), "\n"));
  current_ = std::move(result->image);
  return absl::OkStatus();
}

absl::Status ImageBuilder::BuildStage(int index, const Emit& emit) {
  const Stage& stage = stages_.stages[index];
  current_stage_ = index;
  auto name = ExpandFromName(stage.from, *args_, escape_);
  if (!name.ok()) return name.status();
  emit(StepLine(++step_, total_steps_, stage.from) + "\n");
  int base_stage = FindStage(stages_, *name);
  if (base_stage >= 0 && base_stage < index) {
    current_ = stage_results_.at(base_stage);
  } else if (absl::AsciiStrToLower(*name) == "scratch") {
    current_ = Image{};
  } else {
    auto base = BaseImage(*name, emit);
    if (!base.ok()) return base.status();
    current_ = *base;
  }
  if (!current_.id.empty()) emit(absl::StrCat(" ---> ", ShortId(current_.id), "\n"));
  author_.clear();
  StageState state(ConfigObject(current_.config_json), args_.get(), escape_);
  auto triggers = state.BaseTriggers();
  if (!triggers.ok()) return triggers.status();
  if (!triggers->empty()) {
    emit(BuildTriggersBanner(triggers->size()) + "\n");
    for (const Instruction& trigger : *triggers) {
      auto plan = state.Dispatch(trigger);
      if (!plan.ok()) return plan.status();
      if (absl::Status done = Step(*std::move(plan), emit); !done.ok()) return done;
    }
  }
  for (const Instruction& instruction : stage.instructions) {
    emit(StepLine(++step_, total_steps_, instruction) + "\n");
    auto plan = state.Dispatch(instruction);
    if (!plan.ok()) return plan.status();
    if (absl::Status done = Step(*std::move(plan), emit); !done.ok()) return done;
  }
  args_->MergeReferenced(state.args());
  stage_results_[index] = current_;
  return absl::OkStatus();
}

absl::Status ImageBuilder::Tag(const std::string& image_id, const Emit& emit) {
  for (const std::string& tag : inputs_->options->tags()) {
    auto reference = images::ParseReference(tag);
    if (!reference.ok()) return reference.status();
    berth::images::v1::TagRequest request;
    request.set_source(image_id);
    request.set_target(tag);
    berth::images::v1::TagResponse response;
    auto context = CallIn(inputs_->ns);
    grpc::Status status = backends_->images->Tag(context.get(), request, &response);
    if (!status.ok()) return FromGrpc(status, "tag " + tag);
    emit(absl::StrCat("Successfully tagged ", reference->Familiar(), "\n"));
  }
  return absl::OkStatus();
}

absl::StatusOr<std::string> ImageBuilder::Build(const BuildInputs& inputs, const Emit& emit,
                                                const Emit& built) {
  inputs_ = &inputs;
  if (!inputs.options->platform().empty()) {
    auto platform = NormalizePlatform(inputs.options->platform());
    if (!platform.ok()) return platform.status();
    if (*platform != HostPlatform()) {
      return Invalid(absl::StrCat("berth builds for this host's platform (", HostPlatform(),
                                  ") only, not ", *platform));
    }
  }
  auto dockerfile = ParseDockerfile(inputs.dockerfile_text);
  if (!dockerfile.ok()) return dockerfile.status();
  for (const std::string& warning : dockerfile->warnings) emit(warning + "\n");
  escape_ = dockerfile->directives.escape;
  stages_ = GroupStages(*dockerfile);
  std::set<std::string> names;
  for (const Stage& stage : stages_.stages) {
    if (!stage.from.stage_name.empty() && !names.insert(stage.from.stage_name).second) {
      return Invalid(absl::StrCat("duplicate name ", stage.from.stage_name));
    }
  }
  int target = static_cast<int>(stages_.stages.size()) - 1;
  if (!inputs.options->target().empty()) {
    target = FindStage(stages_, inputs.options->target());
    if (target < 0) {
      return Invalid(absl::StrCat("failed to reach build target ", inputs.options->target(),
                                  " in Dockerfile"));
    }
  }
  // --label: a LABEL step at the end of the target stage, as docker adds.
  if (inputs.options->labels_size() > 0) {
    Instruction label;
    label.keyword = "LABEL";
    std::map<std::string, std::string> sorted(inputs.options->labels().begin(),
                                              inputs.options->labels().end());
    label.original = "LABEL";
    for (const auto& [key, value] : sorted) {
      std::string quoted_key = nlohmann::json(key).dump();
      std::string quoted_value = nlohmann::json(value).dump();
      label.pairs.push_back(KeyValue{quoted_key, quoted_value, false});
      absl::StrAppend(&label.original, " ", quoted_key, "=", quoted_value);
    }
    stages_.stages[target].instructions.push_back(label);
  }
  BuildArgs::Values values;
  for (const auto& [key, value] : inputs.options->build_args()) values[key] = value;
  args_ = std::make_unique<BuildArgs>(std::move(values));

  // The global ARGs first: FROM lines may use them.
  std::vector<std::string> from_names;
  for (const Instruction& arg : stages_.global_args) {
    if (absl::Status added = args_->AddMetaArgs(arg, escape_); !added.ok()) return added;
  }
  for (const Stage& stage : stages_.stages) {
    auto name = ExpandFromName(stage.from, *args_, escape_);
    if (!name.ok()) return name.status();
    from_names.push_back(*name);
  }
  auto needed = NeededStages(stages_, target, from_names);
  if (!needed.ok()) return needed.status();
  total_steps_ = static_cast<int>(stages_.global_args.size());
  for (int index : *needed) {
    total_steps_ += 1 + static_cast<int>(stages_.stages[index].instructions.size());
  }
  for (const Instruction& arg : stages_.global_args) {
    emit(StepLine(++step_, total_steps_, arg) + "\n");
  }
  if (absl::Status loaded = LoadCacheFrom(); !loaded.ok()) return loaded;
  for (int index : *needed) {
    if (absl::Status built = BuildStage(index, emit); !built.ok()) return built;
  }
  if (auto warning = args_->UnusedWarning(); warning) emit(*warning + "\n");
  const std::string id = stage_results_.at(target).id;
  if (id.empty()) return Invalid("No image was generated. Is your Dockerfile empty?");
  built(id);
  emit(absl::StrCat("Successfully built ", ShortId(id), "\n"));
  if (absl::Status tagged = Tag(id, emit); !tagged.ok()) return tagged;
  return id;
}

}  // namespace berth::builder
