#ifndef BERTH_SERVICES_BUILDER_DISPATCH_STEP_PLAN_H_
#define BERTH_SERVICES_BUILDER_DISPATCH_STEP_PLAN_H_

// What one Dockerfile instruction asks of the builder, worked out without
// running anything: the image config after it, the history line docker's
// classic builder writes for it, its cache key, and for RUN/COPY/ADD/
// WORKDIR the work to do.

#include <string>
#include <vector>

#include "nlohmann/json.hpp"

namespace berth::builder {

enum class StepKind {
  kMetadata,  // config only: docker commits an empty layer
  kRun,
  kCopy,
  kAdd,
  kWorkdir,   // config, and the directory made in a container
};

struct StepPlan {
  StepKind kind = StepKind::kMetadata;

  // The history entry's created_by, docker's bytes:
  //   "/bin/sh -c #(nop)  ENV A=b"      (metadata: two blanks)
  //   "/bin/sh -c #(nop) WORKDIR /app"  (WORKDIR, COPY, ADD: one)
  //   "|2 A=1 B=2 /bin/sh -c make"      (RUN with build args)
  // COPY/ADD hold kSourceHashPlaceholder until FillSourceHash.
  std::string created_by;

  // The image config's "config" after this step; docker's JSON names.
  nlohmann::json config;
  // The image's "container_config": `config` with Cmd set to what
  // created_by was joined from (and RUN's entrypoint cleared), which is
  // what docker's build cache compares.
  nlohmann::json container_config;
  // The image's author: MAINTAINER's text in this stage, else "".
  std::string author;

  // Everything docker's cache compares except the parent image id (and,
  // for COPY/ADD, nothing until FillSourceHash put the content hash in).
  std::string cache_key;

  // kRun: the command (JSON form as is, shell form after the config's
  // Shell, default ["/bin/sh","-c"]) and its environment: the config's Env
  // plus the build args in scope, which never reach the image's Env. docker
  // runs it with no entrypoint and healthcheck NONE, in the config's
  // WorkingDir as its User; the committed image gets `config` unchanged.
  std::vector<std::string> argv;
  std::vector<std::string> env;

  // kCopy/kAdd, after variable expansion. `destination` is absolute against
  // WorkingDir and keeps a trailing "/"; `from` is a stage name/index or an
  // image (not expanded, as docker); `chown` as given.
  std::vector<std::string> sources;
  std::string destination;
  std::string from;
  std::string chown;
  std::string chmod;  // octal, as given

  // kWorkdir: the absolute directory to create.
  std::string directory;

  // Lines docker prints for the step besides its own output
  // ("Note: overriding previous HEALTHCHECK: [CMD-SHELL x]").
  std::vector<std::string> warnings;
};

// Stands for the source hash in a COPY/ADD plan until the builder has read
// the sources.
inline constexpr char kSourceHashPlaceholder[] = "<source-hash>";

// docker's hash of the copied sources as it goes into history: the one
// source's ("file:<sha256 hex>", "dir:<hex>") or, for several,
// "multi:" + sha256 of their hashes joined with ",".
std::string CopySourceHash(const std::vector<std::string>& source_hashes);

// Puts the source hash into a COPY/ADD plan's created_by, container_config
// and cache_key.
void FillSourceHash(StepPlan& plan, const std::string& source_hash);

}  // namespace berth::builder

#endif  // BERTH_SERVICES_BUILDER_DISPATCH_STEP_PLAN_H_
