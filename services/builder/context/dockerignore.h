#ifndef BERTH_SERVICES_BUILDER_CONTEXT_DOCKERIGNORE_H_
#define BERTH_SERVICES_BUILDER_CONTEXT_DOCKERIGNORE_H_

// .dockerignore as docker reads it (moby/patternmatcher's ignorefile.ReadAll)
// and matches it (patternmatcher.MatchesOrParentMatches), so that `berth
// build` leaves out of a context exactly what `docker build` leaves out.

#include <regex>
#include <string>
#include "absl/strings/string_view.h"
#include <vector>

#include "absl/status/statusor.h"

namespace berth::buildcontext {

// The patterns of a .dockerignore file, in order: a UTF-8 BOM, "#" comment
// lines and blank lines dropped, each line trimmed and cleaned, a leading
// "/" removed; an exception keeps its leading "!".
std::vector<std::string> ParseDockerignore(absl::string_view text);

class IgnoreMatcher {
 public:
  // Refuses what docker refuses: a lone "!" and a pattern Go's
  // filepath.Match calls malformed (an unclosed "[", a trailing "\").
  // `dockerfile` is the Dockerfile's path in the context; it and
  // .dockerignore are never excluded, as the daemon must read them.
  static absl::StatusOr<IgnoreMatcher> Create(const std::vector<std::string>& patterns,
                                              const std::string& dockerfile = "Dockerfile");

  // Whether rel_path (relative to the context, "/"-separated) is left out:
  // the last pattern that matches it or one of its parent directories
  // decides, and it is left out unless that pattern is an exception.
  bool Excluded(const std::string& rel_path) const;
  // The patterns' answer alone, without sparing the Dockerfile and
  // .dockerignore (the daemon drops those after reading them when this is
  // true, as docker's removeDockerfile does).
  bool MatchesPatterns(const std::string& rel_path) const;
  // For a walker at an excluded directory: whether an exception names a path
  // below it, so it must descend rather than skip the directory (docker's
  // literal prefix test: "!dir/keep" keeps "dir" open, "!*/keep" does not).
  bool MayHaveExceptionsBelow(const std::string& dir) const;

  bool has_exceptions() const { return has_exceptions_; }

 private:
  enum class Kind { kExact, kPrefix, kSuffix, kRegex };
  struct Pattern {
    std::string cleaned;
    bool exception = false;
    Kind kind = Kind::kExact;
    std::regex regex;
    bool Matches(const std::string& path) const;
  };
  static absl::Status Compile(Pattern* pattern);

  std::vector<Pattern> patterns_;
  bool has_exceptions_ = false;
  std::string dockerfile_;
};

}  // namespace berth::buildcontext

#endif  // BERTH_SERVICES_BUILDER_CONTEXT_DOCKERIGNORE_H_
