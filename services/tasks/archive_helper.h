#ifndef BERTH_SERVICES_TASKS_ARCHIVE_HELPER_H_
#define BERTH_SERVICES_TASKS_ARCHIVE_HELPER_H_

// cp and export read and write a container's files from a child process
// (berth-tasks run as "archive-helper") that chroots into the container's
// root first, as docker's chrootarchive does: every path, every symlink in
// the tree and every tar entry then resolves inside that root and nowhere
// else. The tar travels over a socket pair; the service never touches the
// container's files itself.

#include <string>
#include <vector>

#include "absl/status/status.h"
#include "services/common/archive/tree_tar.h"

namespace berth::tasks {

struct TarFromRootOptions {
  // The root to chroot into: a mounted snapshot or /proc/PID/root.
  std::string root;
  // Absolute path inside the root; a trailing "/." means the directory's
  // contents (docker cp's SRC/.).
  std::string path;
  // export: entries without "./", the root itself left out.
  bool strip_dot = false;
};

// Streams the tar of path (its base name as the top entry) into write.
absl::Status TarFromRoot(const TarFromRootOptions& options, const archive::WriteChunk& write);

struct UntarIntoRootOptions {
  std::string root;
  // An existing directory inside the root (symlinks on the way resolved
  // inside it).
  std::string directory;
  bool keep_owner = false;
  bool no_overwrite_dir_non_dir = false;
};

absl::Status UntarIntoRoot(const UntarIntoRootOptions& options, const archive::ReadChunk& read);

// True when berth-tasks was started as the helper.
bool IsArchiveHelperCall(int argc, char** argv);
// The helper's entry point: berth-tasks archive-helper tar|untar ...
int ArchiveHelperMain(int argc, char** argv);

// Splits a path as docker's SplitPathDirEntry: "/a/b" → ("/a", "b"),
// "/a/b/." → ("/a/b", "."), "/" → ("/", ".").
std::pair<std::string, std::string> SplitDirEntry(const std::string& path);

}  // namespace berth::tasks

#endif  // BERTH_SERVICES_TASKS_ARCHIVE_HELPER_H_
