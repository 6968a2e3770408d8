#ifndef BERTH_SERVICES_SNAPSHOTS_TREE_COMPARE_H_
#define BERTH_SERVICES_SNAPSHOTS_TREE_COMPARE_H_

// Comparing a snapshot's directory tree with its parent's, shared by the
// layer diff and the list of changes (docker diff).

#include <sys/stat.h>

#include <string>
#include <vector>

namespace berth::snapshots {

// The names in a directory, sorted (the same changes always give the same
// layer, and digest). A missing directory has none.
std::vector<std::string> SortedNames(const std::string& path);

bool SameContent(const std::string& a, const std::string& b);

std::string LinkTarget(const std::string& path);

// A native snapshot's entry against its parent's: unchanged when type,
// owner, mode and mtime agree, and (as containerd's double walk does) the
// content too where the file system truncated the mtime to seconds.
bool Unchanged(const std::string& path, const struct stat& st, const std::string& parent_path,
               const struct stat& parent);

// An overlay upper directory marked opaque, by the host's overlay
// (trusted.*) or by a user-namespaced container's (userxattr: user.*).
bool IsOpaque(const std::string& path);

// overlayfs's whiteout: a 0/0 character device.
bool IsWhiteout(const struct stat& st);

}  // namespace berth::snapshots

#endif  // BERTH_SERVICES_SNAPSHOTS_TREE_COMPARE_H_
