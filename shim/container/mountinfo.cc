#include "shim/container/mountinfo.h"

#include <cerrno>
#include <fstream>
#include <sstream>

#include "absl/strings/match.h"
#include "absl/strings/str_split.h"

namespace berth::container {
namespace {

// The kernel writes space, tab, newline and backslash in paths as \ooo.
std::string Unescape(absl::string_view field) {
  std::string out;
  out.reserve(field.size());
  for (size_t i = 0; i < field.size(); ++i) {
    if (field[i] == '\\' && i + 3 < field.size() && field[i + 1] >= '0' && field[i + 1] <= '3' &&
        field[i + 2] >= '0' && field[i + 2] <= '7' && field[i + 3] >= '0' && field[i + 3] <= '7') {
      out.push_back(static_cast<char>((field[i + 1] - '0') * 64 + (field[i + 2] - '0') * 8 + (field[i + 3] - '0')));
      i += 3;
      continue;
    }
    out.push_back(field[i]);
  }
  return out;
}

// path is mount_point or below it.
bool IsAtOrBelow(absl::string_view path, absl::string_view mount_point) {
  if (mount_point == "/") return absl::StartsWith(path, "/");
  return absl::StartsWith(path, mount_point) &&
         (path.size() == mount_point.size() || path[mount_point.size()] == '/');
}

}  // namespace

bool MountInfoEntry::shared() const {
  for (const std::string& field : optional_fields) {
    if (absl::StartsWith(field, "shared:")) return true;
  }
  return false;
}

bool MountInfoEntry::slave() const {
  for (const std::string& field : optional_fields) {
    if (absl::StartsWith(field, "master:")) return true;
  }
  return false;
}

std::vector<MountInfoEntry> ParseMountInfo(absl::string_view text) {
  std::vector<MountInfoEntry> entries;
  for (absl::string_view line : absl::StrSplit(text, '\n', absl::SkipEmpty())) {
    // "ID PARENT MAJ:MIN ROOT MOUNTPOINT OPTIONS [OPTIONAL...] - TYPE SOURCE SUPER"
    std::vector<absl::string_view> fields = absl::StrSplit(line, ' ');
    size_t dash = 6;
    while (dash < fields.size() && fields[dash] != "-") ++dash;
    if (fields.size() < 7 || dash + 3 >= fields.size()) continue;
    MountInfoEntry entry;
    entry.root = Unescape(fields[3]);
    entry.mount_point = Unescape(fields[4]);
    entry.options = std::string(fields[5]);
    for (size_t i = 6; i < dash; ++i) entry.optional_fields.emplace_back(fields[i]);
    entry.type = std::string(fields[dash + 1]);
    entry.source = Unescape(fields[dash + 2]);
    entry.super_options = std::string(fields[dash + 3]);
    entries.push_back(std::move(entry));
  }
  return entries;
}

absl::StatusOr<std::vector<MountInfoEntry>> ReadMountInfo() {
  std::ifstream in("/proc/self/mountinfo");
  if (!in) return absl::ErrnoToStatus(errno, "read /proc/self/mountinfo");
  std::stringstream text;
  text << in.rdbuf();
  return ParseMountInfo(text.str());
}

const MountInfoEntry* MountOfPath(const std::vector<MountInfoEntry>& mounts, absl::string_view path) {
  const MountInfoEntry* found = nullptr;
  for (const MountInfoEntry& entry : mounts) {
    if (!IsAtOrBelow(path, entry.mount_point)) continue;
    // Later lines are mounted later: on top of an equal mount point.
    if (found == nullptr || entry.mount_point.size() >= found->mount_point.size()) found = &entry;
  }
  return found;
}

}  // namespace berth::container
