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
#include "absl/status/statusor.h"
#include "berth/tasks/v1/tasks.pb.h"
#include "services/common/archive/tree_tar.h"

namespace berth::tasks {

// A volume or bind mount of a stopped container, attached below the root
// for the helper alone (in its own mount namespace), as docker mounts a
// stopped container's volumes for cp.
struct RootBind {
  std::string source;
  // Inside the root; resolved there. A missing mount point is skipped.
  std::string destination;
  bool read_only = false;
};

// docker's stat of a path in a container (the last component not followed
// unless the path ends in "/" or "/."): NotFound when it is not there,
// InvalidArgument for "file/" on a file.
absl::StatusOr<v1::PathStat> StatInRoot(const std::string& root, const std::string& path,
                                        const std::vector<RootBind>& binds);

struct TarFromRootOptions {
  // The root to chroot into: a mounted snapshot or /proc/PID/root.
  std::string root;
  // Absolute path inside the root; a trailing "/." means the directory's
  // contents (docker cp's SRC/.).
  std::string path;
  // export: entries without "./", the root itself left out.
  bool strip_dot = false;
  std::vector<RootBind> binds;
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
  std::vector<RootBind> binds;
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
