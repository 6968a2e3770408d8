#ifndef BERTH_CLI_COMMANDS_CP_PATHS_H_
#define BERTH_CLI_COMMANDS_CP_PATHS_H_

// docker cp's path rules (docker's pkg/archive copy.go), without I/O: which
// side is the container, what the tar's top entry is called, and where a
// tar is extracted under which name.

#include <string>

#include "absl/status/statusor.h"

namespace berth::cli {

struct CpArgument {
  // Empty for a local path (or "-").
  std::string container;
  std::string path;
};

// "CONTAINER:PATH" or a local path. As docker: a path that starts with "/"
// or "." is local even with a colon in it.
CpArgument SplitCpArgument(const std::string& argument);

// The name of a tar's top entry for path: its base name, "." for "dir/."
// (the directory's contents).
std::string TarTopName(const std::string& path);

// The directory part of a path as docker's SplitPathDirEntry: "/a/b" → "/a",
// "b" → ".", "/a/b/." → "/a/b".
std::string DirectoryOf(const std::string& path);

struct Destination {
  std::string path;
  bool exists = false;
  bool is_dir = false;
};

struct ExtractPlan {
  // Where the tar is extracted (an existing directory).
  std::string directory;
  // The top entry is renamed from → to (both empty: as it is).
  std::string rebase_from;
  std::string rebase_to;
};

// docker's PrepareArchiveCopy: errors "cannot copy directory" (a directory
// onto a file) and "no such directory" (a file to a missing "dir/").
absl::StatusOr<ExtractPlan> PlanExtraction(const std::string& source_path, bool source_is_dir,
                                           const Destination& destination);

}  // namespace berth::cli

#endif  // BERTH_CLI_COMMANDS_CP_PATHS_H_
