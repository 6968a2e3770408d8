#include "services/builder/run_step.h"

#include <optional>

#include "absl/cleanup/cleanup.h"
#include "absl/strings/str_cat.h"
#include "absl/strings/str_join.h"
#include "services/common/fs/fs_util.h"

namespace berth::builder {
namespace {

// docker's text for a failed RUN: the command as JSON for the exec form,
// joined with spaces for the shell form's argv.
std::string CommandText(const std::vector<std::string>& argv) {
  return absl::StrJoin(argv, " ");
}

}  // namespace

berth::tasks::v1::ContainerSpec RunStepRunner::Spec(const RunStep& step) const {
  berth::tasks::v1::ContainerSpec spec;
  spec.set_image(step.parent_image);
  // No entrypoint: RUN runs its command as given, whatever the image says.
  spec.add_entrypoint("");
  for (const std::string& arg : step.argv) spec.add_cmd(arg);
  for (const std::string& variable : step.env) spec.add_env(variable);
  spec.set_user(step.user);
  spec.set_working_dir(step.working_dir);
  spec.set_network_mode(options_->network_mode().empty() ? "default" : options_->network_mode());
  for (const std::string& host : options_->extra_hosts()) spec.add_extra_hosts(host);
  auto* resources = spec.mutable_resources();
  resources->set_memory_bytes(options_->memory());
  resources->set_memory_swap_bytes(options_->memory_swap());
  resources->set_cpu_shares(static_cast<uint64_t>(options_->cpu_shares()));
  resources->set_cpu_period_us(static_cast<uint64_t>(options_->cpu_period()));
  resources->set_cpu_quota_us(options_->cpu_quota());
  resources->set_cpuset_cpus(options_->cpuset_cpus());
  resources->set_cpuset_mems(options_->cpuset_mems());
  for (const auto& limit : options_->ulimits()) {
    auto* ulimit = spec.add_ulimits();
    ulimit->set_name(limit.name());
    ulimit->set_soft(limit.soft());
    ulimit->set_hard(limit.hard());
  }
  if (options_->shm_size() > 0) {
    auto* shm = spec.add_mounts();
    shm->set_type("tmpfs");
    shm->set_destination("/dev/shm");
    shm->set_tmpfs_size_bytes(options_->shm_size());
    shm->add_options("nosuid");
    shm->add_options("nodev");
    shm->add_options("noexec");
  }
  return spec;
}

absl::StatusOr<int> RunStepRunner::AttachAndStart(const std::string& ns, const std::string& id,
                                                  const Emit& emit) {
  auto context = CallIn(ns);
  CancelToken::Scope cancellable(cancel_, context.get());
  auto stream = backends_->tasks->Attach(context.get());
  berth::tasks::v1::AttachRequest request;
  auto* target = request.mutable_target();
  target->set_id(id);
  target->set_stdout(true);
  target->set_stderr(true);
  target->set_start(true);
  if (!stream->Write(request)) return FromGrpc(stream->Finish(), "attach " + ShortId(id));
  // No WritesDone until the end: the tasks service takes a half-close as
  // the client leaving.
  berth::tasks::v1::AttachResponse response;
  std::optional<int> exit_code;
  while (stream->Read(&response)) {
    if (response.has_stdout()) {
      emit(response.stdout());
    } else if (response.has_stderr()) {
      emit(response.stderr());
    } else if (response.has_exit()) {
      exit_code = response.exit().exit_code();
    }
  }
  stream->WritesDone();
  grpc::Status status = stream->Finish();
  // The tasks service ends the call by cancelling it once the exit is sent.
  if (exit_code) return *exit_code;
  if (!status.ok()) return FromGrpc(status, "run " + ShortId(id));
  // The stream ended without the exit: ask for it.
  berth::tasks::v1::WaitRequest wait;
  wait.set_id(id);
  berth::tasks::v1::WaitResponse waited;
  auto wait_context = CallIn(ns);
  grpc::Status waited_status = backends_->tasks->Wait(wait_context.get(), wait, &waited);
  if (!waited_status.ok()) return FromGrpc(waited_status, "wait for " + ShortId(id));
  return waited.exit_code();
}

absl::StatusOr<std::string> RunStepRunner::Run(const RunStep& step, const Emit& emit) {
  std::string name = "berth-build-" + fs::RandomHex(6);
  if (absl::Status remembered = containers_->Remember(step.ns, name); !remembered.ok()) {
    return remembered;
  }
  berth::tasks::v1::CreateContainerRequest create;
  create.set_name(name);
  *create.mutable_spec() = Spec(step);
  berth::tasks::v1::CreateContainerResponse created;
  {
    auto context = CallIn(step.ns);
    grpc::Status status = backends_->containers->Create(context.get(), create, &created);
    if (!status.ok()) {
      (void)containers_->Remove(step.ns, name);
      return FromGrpc(status, "create the RUN container");
    }
  }
  emit(absl::StrCat(" ---> Running in ", ShortId(created.id()), "\n"));
  // Removed whatever happens, unless the user keeps them (--rm=false; a
  // failed one only without --force-rm).
  bool keep = options_->keep_intermediate() && !options_->force_remove();
  absl::Cleanup remove_on_error = [&] {
    if (!keep) (void)containers_->Remove(step.ns, name);
  };
  auto exit_code = AttachAndStart(step.ns, created.id(), emit);
  if (!exit_code.ok()) return exit_code.status();
  if (*exit_code != 0) {
    return absl::UnknownError(absl::StrCat("The command '", CommandText(step.argv),
                                           "' returned a non-zero code: ", *exit_code));
  }
  berth::tasks::v1::CommitContainerRequest commit;
  commit.set_id(created.id());
  commit.set_config_json(step.config_json);
  commit.set_created_by(step.created_by);
  commit.set_author(step.author);
  berth::tasks::v1::CommitContainerResponse committed;
  {
    auto context = CallIn(step.ns);
    grpc::Status status = backends_->containers->Commit(context.get(), commit, &committed);
    if (!status.ok()) return FromGrpc(status, "commit the RUN container");
  }
  std::move(remove_on_error).Cancel();
  if (!keep) {
    emit(absl::StrCat("Removing intermediate container ", ShortId(created.id()), "\n"));
    if (absl::Status removed = containers_->Remove(step.ns, name); !removed.ok()) return removed;
  }
  return committed.image_id();
}

}  // namespace berth::builder
