#include "shim/container/cgroup_mounts.h"

#include <dirent.h>
#include <sys/stat.h>
#include <unistd.h>

#include <fstream>
#include <sstream>

#include "absl/strings/match.h"
#include "absl/strings/str_join.h"
#include "absl/strings/str_split.h"
#include "shim/container/mountinfo.h"

namespace berth::container {
namespace {

constexpr absl::string_view kRoot = "/sys/fs/cgroup";

}  // namespace

CgroupMounts ParseCgroupMounts(absl::string_view mountinfo) {
  CgroupMounts out;
  for (const MountInfoEntry& entry : ParseMountInfo(mountinfo)) {
    const std::string& mount_point = entry.mount_point;
    if (entry.type != "cgroup" && entry.type != "cgroup2") continue;
    if (mount_point == kRoot) {
      if (entry.type == "cgroup2") out.unified = true;
      continue;
    }
    if (!absl::StartsWith(mount_point, kRoot) || mount_point.size() <= kRoot.size() + 1 ||
        mount_point[kRoot.size()] != '/' || entry.type != "cgroup") {
      continue;
    }
    std::string name = mount_point.substr(kRoot.size() + 1);
    if (absl::StrContains(name, '/')) continue;
    std::vector<std::string> data;
    for (absl::string_view option : absl::StrSplit(entry.super_options, ',')) {
      if (option != "rw" && option != "ro") data.emplace_back(option);
    }
    CgroupHierarchy hierarchy{name, entry.type, absl::StrJoin(data, ",")};
    // A later mount on the same point is the one in effect.
    bool replaced = false;
    for (CgroupHierarchy& known : out.hierarchies) {
      if (known.name == name) {
        known = hierarchy;
        replaced = true;
      }
    }
    if (!replaced) out.hierarchies.push_back(std::move(hierarchy));
  }
  if (out.unified) out.hierarchies.clear();
  return out;
}

CgroupMounts HostCgroupMounts() {
  std::ifstream in("/proc/self/mountinfo");
  std::stringstream text;
  text << in.rdbuf();
  CgroupMounts mounts = ParseCgroupMounts(text.str());
  if (mounts.unified || mounts.hierarchies.empty()) return mounts;
  DIR* dir = ::opendir(std::string(kRoot).c_str());
  if (dir == nullptr) return mounts;
  while (dirent* entry = ::readdir(dir)) {
    std::string path = std::string(kRoot) + "/" + entry->d_name;
    struct stat st;
    if (::lstat(path.c_str(), &st) != 0 || !S_ISLNK(st.st_mode)) continue;
    char target[256];
    ssize_t n = ::readlink(path.c_str(), target, sizeof(target) - 1);
    if (n <= 0) continue;
    target[n] = '\0';
    // Only links to a hierarchy the container has.
    for (const CgroupHierarchy& hierarchy : mounts.hierarchies) {
      if (hierarchy.name == target) mounts.symlinks.emplace_back(target, entry->d_name);
    }
  }
  ::closedir(dir);
  return mounts;
}

}  // namespace berth::container
