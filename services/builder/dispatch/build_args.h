#ifndef BERTH_SERVICES_BUILDER_DISPATCH_BUILD_ARGS_H_
#define BERTH_SERVICES_BUILDER_DISPATCH_BUILD_ARGS_H_

// docker's BuildArgs (builder/dockerfile/buildargs.go): the --build-arg
// values, the global ARGs before the first FROM (usable in FROM lines and as
// defaults of a stage's `ARG name`), the ARGs a stage declared, and the
// proxy args docker allows without an ARG and keeps out of history.

#include <map>
#include <optional>
#include <set>
#include <string>
#include <vector>

#include "absl/status/status.h"
#include "services/builder/dockerfile/instruction.h"

namespace berth::builder {

class BuildArgs {
 public:
  // --build-arg NAME=value; nullopt for a bare `--build-arg NAME` the
  // client found no value for (docker then ignores it, but still warns when
  // it is not consumed).
  using Values = std::map<std::string, std::optional<std::string>>;

  explicit BuildArgs(Values from_options = {});

  // A global ARG (before the first FROM): expanded with the build args so
  // far, then usable by FROM lines and every stage. Errors are the shell
  // lexer's ("syntax error: missing '}'").
  absl::Status AddMetaArgs(const Instruction& arg, char escape);

  // What a stage starts with: the global args and what was referenced, but
  // none of the previous stage's ARG declarations (docker's ResetAllowed).
  BuildArgs ForStage() const;

  // `ARG key[=value]` in a stage, value already expanded.
  void AddArg(const std::string& key, std::optional<std::string> value);

  // Marks keys another BuildArgs (a finished stage) referenced as consumed.
  void MergeReferenced(const BuildArgs& other);

  // The stage's args with their values: --build-arg, else the ARG's default,
  // else the global ARG's; proxy args given with --build-arg included.
  std::map<std::string, std::string> AllAllowed() const;
  // The same for the global ARGs: what FROM lines expand with.
  std::map<std::string, std::string> AllMeta() const;

  // AllAllowed() as sorted "k=v", without keys `env` ("K=V" list) sets:
  // an ENV wins over an ARG of the same name.
  std::vector<std::string> FilterAllowed(
      const std::vector<std::string>& env) const;

  // False for a proxy arg no ARG declared: it is left out of RUN's history.
  bool IsReferencedOrNotBuiltin(const std::string& key) const;

  // "[Warning] One or more build-args [foo bar] were not consumed" for
  // --build-arg names no ARG declared (proxy args never warn); names sorted.
  std::optional<std::string> UnusedWarning() const;

 private:
  using Declared = std::map<std::string, std::optional<std::string>>;

  std::map<std::string, std::string> AllFrom(const Declared& source) const;
  std::optional<std::string> Value(const std::string& key,
                                   const Declared& source) const;

  Values from_options_;
  Declared allowed_;
  Declared meta_;
  std::set<std::string> referenced_;
};

bool IsBuiltinBuildArg(const std::string& key);

}  // namespace berth::builder

#endif  // BERTH_SERVICES_BUILDER_DISPATCH_BUILD_ARGS_H_
