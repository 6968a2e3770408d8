#include "services/common/mount/mount_options.h"

#include <sys/mount.h>

#include <map>

#include "absl/strings/str_join.h"
#include "absl/strings/str_split.h"

namespace berth::mount {

MountFlagsAndData ParseMountOptions(const std::string& options, unsigned long defaults) {
  struct Flag {
    bool clear;
    unsigned long flag;
  };
  static const std::map<std::string, Flag> kFlags = {
      {"ro", {false, MS_RDONLY}},          {"rw", {true, MS_RDONLY}},
      {"noexec", {false, MS_NOEXEC}},      {"exec", {true, MS_NOEXEC}},
      {"nosuid", {false, MS_NOSUID}},      {"suid", {true, MS_NOSUID}},
      {"nodev", {false, MS_NODEV}},        {"dev", {true, MS_NODEV}},
      {"sync", {false, MS_SYNCHRONOUS}},   {"async", {true, MS_SYNCHRONOUS}},
      {"dirsync", {false, MS_DIRSYNC}},    {"noatime", {false, MS_NOATIME}},
      {"atime", {true, MS_NOATIME}},       {"nodiratime", {false, MS_NODIRATIME}},
      {"diratime", {true, MS_NODIRATIME}}, {"relatime", {false, MS_RELATIME}},
      {"norelatime", {true, MS_RELATIME}}, {"strictatime", {false, MS_STRICTATIME}},
      {"bind", {false, MS_BIND}},          {"rbind", {false, MS_BIND | MS_REC}},
  };
  MountFlagsAndData result;
  result.flags = defaults;
  std::vector<std::string> data;
  for (const std::string& option : std::vector<std::string>(absl::StrSplit(options, ',', absl::SkipEmpty()))) {
    auto it = kFlags.find(option);
    if (it == kFlags.end()) {
      data.push_back(option);
    } else if (it->second.clear) {
      result.flags &= ~it->second.flag;
    } else {
      result.flags |= it->second.flag;
    }
  }
  result.data = absl::StrJoin(data, ",");
  return result;
}

}  // namespace berth::mount
