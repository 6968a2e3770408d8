#ifndef BERTH_SERVICES_BUILDER_CONTEXT_GO_PATH_H_
#define BERTH_SERVICES_BUILDER_CONTEXT_GO_PATH_H_

// Go's path.Clean and path/filepath.Match on slash-separated paths. docker's
// builder and .dockerignore rules are defined by what these two functions
// do, quirks included, so they are ported rather than approximated.

#include <string>
#include "absl/strings/string_view.h"

#include "absl/status/statusor.h"

namespace berth::buildcontext {

// Go's path.Clean: the shortest equivalent path ("" becomes ".", a rooted
// path keeps its "/", ".." past the root of a rooted path is dropped).
std::string GoClean(absl::string_view path);

// Go's filepath.Match: `*` matches any run of non-"/" characters, `?` one
// non-"/" character, `[a-z]`/`[^a-z]` a class, `\` escapes. The name must
// match as a whole. A malformed pattern is an InvalidArgument error.
absl::StatusOr<bool> GoMatch(absl::string_view pattern, absl::string_view name);

// True when cleaned (a GoClean result) climbs above its start: ".." or
// "../...".
bool LeavesItsRoot(absl::string_view cleaned);

}  // namespace berth::buildcontext

#endif  // BERTH_SERVICES_BUILDER_CONTEXT_GO_PATH_H_
