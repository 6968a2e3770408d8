#include "services/snapshots/changes_list.h"

#include <sys/stat.h>

#include <algorithm>

#include "absl/strings/match.h"
#include "services/snapshots/tree_compare.h"

namespace berth::snapshots {
namespace {

bool Excluded(const std::vector<std::string>& exclude, const std::string& relative) {
  for (const std::string& path : exclude) {
    std::string clean = absl::StartsWith(path, "/") ? path.substr(1) : path;
    if (relative == clean || absl::StartsWith(relative, clean + "/")) return true;
  }
  return false;
}

bool SameOwnerAndMode(const struct stat& a, const struct stat& b) {
  return a.st_mode == b.st_mode && a.st_uid == b.st_uid && a.st_gid == b.st_gid;
}

// As dockerd sorts them: by the path's bytes ("/a-b" before "/a/b").
std::vector<Change> SortedByPath(std::vector<Change> changes) {
  std::sort(changes.begin(), changes.end(),
            [](const Change& a, const Change& b) { return a.path < b.path; });
  return changes;
}

std::string Join(const std::string& dir, const std::string& name) {
  return dir.empty() ? name : dir + "/" + name;
}

class OverlayWalk {
 public:
  OverlayWalk(const std::string& upper, const std::vector<std::string>& lowers,
              const std::vector<std::string>& exclude)
      : upper_(upper), lowers_(lowers), exclude_(exclude) {}

  // Appends the changes below relative; true when there were any.
  // hidden: an opaque directory above hides the lower layers.
  bool Walk(const std::string& relative, bool hidden) {
    bool any = false;
    for (const std::string& name : SortedNames(Join(upper_, relative))) {
      std::string child = Join(relative, name);
      if (Excluded(exclude_, child)) continue;
      struct stat st;
      if (::lstat((upper_ + "/" + child).c_str(), &st) != 0) continue;
      if (IsWhiteout(st)) {
        changes_.push_back({"/" + child, Change::kDeleted});
        any = true;
        continue;
      }
      struct stat below;
      bool existed = !hidden && Below(child, &below);
      if (!S_ISDIR(st.st_mode)) {
        changes_.push_back({"/" + child, existed ? Change::kModified : Change::kAdded});
        any = true;
        continue;
      }
      // A directory comes before what is below it.
      size_t at = changes_.size();
      bool opaque = IsOpaque(upper_ + "/" + child);
      bool inside = Walk(child, hidden || opaque);
      if (!existed || inside || opaque || !S_ISDIR(below.st_mode) || !SameOwnerAndMode(st, below)) {
        changes_.insert(changes_.begin() + static_cast<long>(at),
                        {"/" + child, existed ? Change::kModified : Change::kAdded});
        any = true;
      }
    }
    return any;
  }

  std::vector<Change> Take() { return SortedByPath(std::move(changes_)); }

 private:
  // The nearest lower layer's entry at relative, unless a whiteout there
  // (or an opaque directory above it) removed it.
  bool Below(const std::string& relative, struct stat* out) const {
    for (const std::string& lower : lowers_) {
      if (::lstat((lower + "/" + relative).c_str(), out) == 0) return !IsWhiteout(*out);
      size_t slash = relative.rfind('/');
      if (slash != std::string::npos && IsOpaque(lower + "/" + relative.substr(0, slash))) {
        return false;
      }
    }
    return false;
  }

  const std::string& upper_;
  const std::vector<std::string>& lowers_;
  const std::vector<std::string>& exclude_;
  std::vector<Change> changes_;
};

class NativeWalk {
 public:
  NativeWalk(const std::string& dir, const std::string& parent,
             const std::vector<std::string>& exclude)
      : dir_(dir), parent_(parent), exclude_(exclude) {}

  // in_parent: the directory exists in the parent too.
  bool Walk(const std::string& relative, bool in_parent) {
    bool any = false;
    std::vector<std::string> names = SortedNames(Join(dir_, relative));
    std::vector<Change> gone;
    if (in_parent) {
      for (const std::string& name : SortedNames(Join(parent_, relative))) {
        std::string child = Join(relative, name);
        if (Excluded(exclude_, child) || std::binary_search(names.begin(), names.end(), name)) {
          continue;
        }
        gone.push_back({"/" + child, Change::kDeleted});
      }
    }
    for (const std::string& name : names) {
      std::string child = Join(relative, name);
      if (Excluded(exclude_, child)) continue;
      std::string path = dir_ + "/" + child;
      struct stat st, before;
      if (::lstat(path.c_str(), &st) != 0) continue;
      std::string before_path = parent_ + "/" + child;
      bool existed = in_parent && ::lstat(before_path.c_str(), &before) == 0;
      bool same_dir = existed && S_ISDIR(st.st_mode) && S_ISDIR(before.st_mode);
      size_t at = changes_.size();
      bool inside = S_ISDIR(st.st_mode) && Walk(child, same_dir);
      bool changed = !existed || inside ||
                     (same_dir ? !SameOwnerAndMode(st, before)
                               : !Unchanged(path, st, before_path, before));
      if (changed) {
        changes_.insert(changes_.begin() + static_cast<long>(at),
                        {"/" + child, existed ? Change::kModified : Change::kAdded});
        any = true;
      }
    }
    for (Change& change : gone) changes_.push_back(std::move(change));
    return any || !gone.empty();
  }

  std::vector<Change> Take() { return SortedByPath(std::move(changes_)); }

 private:
  const std::string& dir_;
  const std::string& parent_;
  const std::vector<std::string>& exclude_;
  std::vector<Change> changes_;
};

}  // namespace

absl::StatusOr<std::vector<Change>> OverlayChanges(const std::string& upper,
                                                   const std::vector<std::string>& lowers,
                                                   const std::vector<std::string>& exclude) {
  struct stat st;
  if (::lstat(upper.c_str(), &st) != 0) return absl::ErrnoToStatus(errno, "changes: " + upper);
  OverlayWalk walk(upper, lowers, exclude);
  walk.Walk("", false);
  return walk.Take();
}

absl::StatusOr<std::vector<Change>> NativeChanges(const std::string& dir, const std::string& parent,
                                                  const std::vector<std::string>& exclude) {
  struct stat st;
  if (::lstat(dir.c_str(), &st) != 0) return absl::ErrnoToStatus(errno, "changes: " + dir);
  NativeWalk walk(dir, parent, exclude);
  walk.Walk("", !parent.empty());
  return walk.Take();
}

}  // namespace berth::snapshots
