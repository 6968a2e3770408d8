#include "shim/container/user.h"

#include <fcntl.h>
#include <linux/openat2.h>
#include <sys/syscall.h>
#include <unistd.h>

#include <algorithm>

#include "absl/strings/match.h"
#include "absl/strings/numbers.h"
#include "absl/strings/str_cat.h"
#include "absl/strings/str_split.h"
#include "services/common/base/unique_fd.h"

namespace berth::container {
namespace {

struct Entry {
  std::vector<std::string> fields;
};

std::vector<Entry> ParseColonFile(const std::string& text) {
  std::vector<Entry> entries;
  for (absl::string_view line : absl::StrSplit(text, '\n', absl::SkipEmpty())) {
    if (absl::StartsWith(line, "#")) continue;
    Entry entry;
    for (absl::string_view field : absl::StrSplit(line, ':')) entry.fields.emplace_back(field);
    entries.push_back(std::move(entry));
  }
  return entries;
}

bool ParseId(const std::string& text, uint32_t* id) { return absl::SimpleAtoi(text, id); }

}  // namespace

std::vector<std::string> RootfsLayers(const std::vector<berth::shim::v1::Mount>& rootfs) {
  std::vector<std::string> layers;
  for (const auto& mount : rootfs) {
    if (mount.type() == "bind") {
      layers.push_back(mount.source());
      continue;
    }
    std::string upper;
    std::vector<std::string> lower;
    for (const std::string& option : mount.options()) {
      if (absl::StartsWith(option, "upperdir=")) upper = option.substr(9);
      if (absl::StartsWith(option, "lowerdir=")) {
        lower = absl::StrSplit(option.substr(9), ':', absl::SkipEmpty());
      }
    }
    if (!upper.empty()) layers.push_back(upper);
    layers.insert(layers.end(), lower.begin(), lower.end());
  }
  return layers;
}

absl::StatusOr<std::string> ReadContainerFile(const std::vector<std::string>& layers,
                                              const std::string& path) {
  std::string relative = path.substr(path.find_first_not_of('/'));
  for (const std::string& layer : layers) {
    UniqueFd root(::open(layer.c_str(), O_PATH | O_DIRECTORY | O_CLOEXEC));
    if (!root.valid()) continue;
    open_how how{};
    how.flags = O_RDONLY | O_CLOEXEC;
    how.resolve = RESOLVE_IN_ROOT | RESOLVE_NO_MAGICLINKS;
    UniqueFd file(static_cast<int>(
        ::syscall(SYS_openat2, root.get(), relative.c_str(), &how, sizeof(how))));
    if (!file.valid()) continue;
    std::string text;
    char buffer[8192];
    ssize_t n;
    while ((n = ::read(file.get(), buffer, sizeof(buffer))) > 0) {
      text.append(buffer, n);
      if (text.size() > (4 << 20)) return absl::ResourceExhaustedError(path + " is too large");
    }
    return text;
  }
  return absl::NotFoundError(absl::StrCat(path, " not found in the container"));
}

absl::StatusOr<ResolvedUser> ResolveUser(const std::string& spec,
                                         const std::vector<std::string>& layers,
                                         const std::vector<std::string>& extra_groups) {
  std::string user = spec, group;
  if (size_t colon = spec.find(':'); colon != std::string::npos) {
    user = spec.substr(0, colon);
    group = spec.substr(colon + 1);
  }
  if (user.empty()) user = "0";
  std::vector<Entry> passwd, groups;
  if (auto text = ReadContainerFile(layers, "/etc/passwd"); text.ok()) passwd = ParseColonFile(*text);
  if (auto text = ReadContainerFile(layers, "/etc/group"); text.ok()) groups = ParseColonFile(*text);

  ResolvedUser resolved;
  uint32_t numeric = 0;
  bool user_is_numeric = ParseId(user, &numeric);
  const Entry* found = nullptr;
  for (const Entry& entry : passwd) {
    if (entry.fields.size() < 7) continue;
    uint32_t uid = 0;
    if ((user_is_numeric && ParseId(entry.fields[2], &uid) && uid == numeric) ||
        (!user_is_numeric && entry.fields[0] == user)) {
      found = &entry;
      break;
    }
  }
  std::string user_name;
  if (found != nullptr) {
    uint32_t uid = 0, gid = 0;
    ParseId(found->fields[2], &uid);
    ParseId(found->fields[3], &gid);
    resolved.uid = uid;
    resolved.gid = gid;
    resolved.home = found->fields[5].empty() ? "/" : found->fields[5];
    user_name = found->fields[0];
  } else if (user_is_numeric) {
    resolved.uid = numeric;
  } else {
    return absl::InvalidArgumentError(
        absl::StrCat("unable to find user ", user, ": no matching entries in passwd file"));
  }
  if (!group.empty()) {
    uint32_t gid = 0;
    bool group_is_numeric = ParseId(group, &gid);
    bool group_found = group_is_numeric;
    for (const Entry& entry : groups) {
      if (!group_is_numeric && entry.fields.size() >= 3 && entry.fields[0] == group) {
        group_found = ParseId(entry.fields[2], &gid);
        break;
      }
    }
    if (!group_found) {
      return absl::InvalidArgumentError(
          absl::StrCat("unable to find group ", group, ": no matching entries in group file"));
    }
    resolved.gid = gid;
  }
  if (!user_name.empty()) {
    for (const Entry& entry : groups) {
      if (entry.fields.size() < 4) continue;
      for (absl::string_view member : absl::StrSplit(entry.fields[3], ',', absl::SkipEmpty())) {
        uint32_t gid = 0;
        if (member == user_name && ParseId(entry.fields[2], &gid) && gid != resolved.gid) {
          resolved.additional_gids.push_back(gid);
        }
      }
    }
  }
  for (const std::string& extra : extra_groups) {
    uint32_t gid = 0;
    bool found_group = ParseId(extra, &gid);
    for (const Entry& entry : groups) {
      if (found_group) break;
      if (entry.fields.size() >= 3 && entry.fields[0] == extra) found_group = ParseId(entry.fields[2], &gid);
    }
    if (!found_group) {
      return absl::InvalidArgumentError(
          absl::StrCat("unable to find group ", extra, ": no matching entries in group file"));
    }
    if (std::find(resolved.additional_gids.begin(), resolved.additional_gids.end(), gid) ==
        resolved.additional_gids.end()) {
      resolved.additional_gids.push_back(gid);
    }
  }
  return resolved;
}

}  // namespace berth::container
