#include "services/common/userns/remap.h"

#include <grp.h>
#include <pwd.h>

#include <algorithm>
#include <cerrno>
#include <fstream>
#include <sstream>

#include "absl/strings/numbers.h"
#include "absl/strings/str_cat.h"
#include "absl/strings/str_join.h"
#include "absl/strings/str_split.h"
#include "absl/strings/strip.h"
#include "services/common/base/run_process.h"

namespace berth::userns {
namespace {

struct RawRange {
  uint64_t start = 0;
  uint64_t count = 0;
};

// Every "owner:start:count" line; malformed lines are skipped, as shadow's
// tools do.
std::vector<std::pair<std::string, RawRange>> ParseLines(absl::string_view text) {
  std::vector<std::pair<std::string, RawRange>> lines;
  for (absl::string_view line : absl::StrSplit(text, '\n')) {
    line = absl::StripAsciiWhitespace(line);
    if (line.empty() || line[0] == '#') continue;
    std::vector<absl::string_view> fields = absl::StrSplit(line, ':');
    RawRange range;
    if (fields.size() != 3 || !absl::SimpleAtoi(fields[1], &range.start) ||
        !absl::SimpleAtoi(fields[2], &range.count) || range.count == 0) {
      continue;
    }
    lines.emplace_back(std::string(fields[0]), range);
  }
  return lines;
}

absl::StatusOr<std::string> ReadFile(const std::string& path) {
  std::ifstream in(path);
  if (!in) {
    if (errno == ENOENT) return std::string();
    return absl::ErrnoToStatus(errno, "read " + path);
  }
  std::stringstream text;
  text << in.rdbuf();
  return text.str();
}

absl::Status Run(const std::vector<std::string>& args) {
  auto result = RunProcess(args, InheritedEnvironment());
  if (!result.ok()) return result.status();
  if (result->exit_code != 0) {
    return absl::InternalError(
        absl::StrCat(absl::StrJoin(args, " "), ": failed (exit ", result->exit_code, ")",
                     result->err.empty() ? "" : ": ", absl::StripAsciiWhitespace(result->err)));
  }
  return absl::OkStatus();
}

// A user or group given by name or number: both forms, or an error.
absl::Status LookUpUser(absl::string_view given, std::string* name, std::string* id) {
  uint32_t number;
  passwd* entry = absl::SimpleAtoi(given, &number) ? ::getpwuid(number)
                                                    : ::getpwnam(std::string(given).c_str());
  if (entry == nullptr) return absl::NotFoundError(absl::StrCat("no such user \"", given, "\""));
  *name = entry->pw_name;
  *id = absl::StrCat(entry->pw_uid);
  return absl::OkStatus();
}

absl::Status LookUpGroup(absl::string_view given, std::string* name, std::string* id) {
  uint32_t number;
  group* entry = absl::SimpleAtoi(given, &number) ? ::getgrgid(number)
                                                   : ::getgrnam(std::string(given).c_str());
  if (entry == nullptr) return absl::NotFoundError(absl::StrCat("no such group \"", given, "\""));
  *name = entry->gr_name;
  *id = absl::StrCat(entry->gr_gid);
  return absl::OkStatus();
}

}  // namespace

absl::StatusOr<std::vector<IdRange>> ParseSubordinateRanges(absl::string_view text,
                                                            absl::string_view name,
                                                            absl::string_view id) {
  std::vector<RawRange> found;
  for (const auto& [owner, range] : ParseLines(text)) {
    if (owner == name || (!id.empty() && owner == id)) found.push_back(range);
  }
  std::sort(found.begin(), found.end(),
            [](const RawRange& a, const RawRange& b) { return a.start < b.start; });
  std::vector<IdRange> maps;
  uint64_t next = 0;
  for (const RawRange& range : found) {
    if (range.start + range.count > (uint64_t{1} << 32) || next + range.count > (uint64_t{1} << 32)) {
      return absl::InvalidArgumentError(
          absl::StrCat("range ", range.start, ":", range.count, " goes past the last id"));
    }
    maps.push_back({static_cast<uint32_t>(next), static_cast<uint32_t>(range.start),
                    static_cast<uint32_t>(range.count)});
    next += range.count;
  }
  return maps;
}

uint64_t HighestSubordinateEnd(absl::string_view text) {
  uint64_t highest = 0;
  for (const auto& [owner, range] : ParseLines(text)) {
    highest = std::max(highest, range.start + range.count);
  }
  return highest;
}

absl::StatusOr<Remap> ResolveRemap(absl::string_view setting, const SubordinateFiles& files) {
  auto fail = [setting](const absl::Status& status) {
    return absl::Status(status.code(),
                        absl::StrCat("userns-remap \"", setting, "\": ", status.message()));
  };
  std::pair<std::string, std::string> parts = absl::StrSplit(setting, absl::MaxSplits(':', 1));
  if (parts.first.empty()) return fail(absl::InvalidArgumentError("no user given"));
  if (parts.first == "default") parts.first = kDefaultRemapUser;
  Remap remap;
  std::string uid, gid;
  if (absl::Status status = LookUpUser(parts.first, &remap.user, &uid); !status.ok()) {
    return fail(status);
  }
  // Without a group, the user's name is the group's too (as dockerd).
  std::string group_given = parts.second.empty() ? remap.user : parts.second;
  if (absl::Status status = LookUpGroup(group_given, &remap.group, &gid); !status.ok()) {
    return fail(status);
  }
  for (auto [path, owner, id, out, what] :
       {std::tuple{files.subuid, remap.user, uid, &remap.uids, "uid"},
        std::tuple{files.subgid, remap.group, gid, &remap.gids, "gid"}}) {
    auto text = ReadFile(path);
    if (!text.ok()) return fail(text.status());
    auto ranges = ParseSubordinateRanges(*text, owner, id);
    if (!ranges.ok()) return fail(ranges.status());
    if (ranges->empty()) {
      return fail(absl::FailedPreconditionError(
          absl::StrCat("no subordinate ", what, " ranges for \"", owner, "\" in ", path)));
    }
    *out = *std::move(ranges);
  }
  return remap;
}

absl::Status EnsureDefaultRemapUser(const SubordinateFiles& files) {
  if (::getpwnam(kDefaultRemapUser) == nullptr) {
    absl::Status made = Run({"useradd", "--system", "--no-create-home", "--user-group", "--shell",
                             "/bin/false", kDefaultRemapUser});
    if (!made.ok()) {
      return absl::Status(made.code(), absl::StrCat("create the user ", kDefaultRemapUser,
                                                    " for userns-remap: ", made.message()));
    }
  }
  auto subuid = ReadFile(files.subuid);
  if (!subuid.ok()) return subuid.status();
  auto subgid = ReadFile(files.subgid);
  if (!subgid.ok()) return subgid.status();
  auto uids = ParseSubordinateRanges(*subuid, kDefaultRemapUser, "");
  auto gids = ParseSubordinateRanges(*subgid, kDefaultRemapUser, "");
  if (uids.ok() && gids.ok() && !uids->empty() && !gids->empty()) return absl::OkStatus();
  // One range past everything in use, the same for users and groups.
  uint64_t start = std::max<uint64_t>(
      {kFirstSubordinateId, HighestSubordinateEnd(*subuid), HighestSubordinateEnd(*subgid)});
  std::string range = absl::StrCat(start, "-", start + kDefaultRangeSize - 1);
  absl::Status added = Run({"usermod", "--add-subuids", range, "--add-subgids", range,
                            kDefaultRemapUser});
  if (!added.ok()) {
    return absl::Status(added.code(), absl::StrCat("give ", kDefaultRemapUser,
                                                   " subordinate ids ", range, ": ", added.message()));
  }
  return absl::OkStatus();
}

}  // namespace berth::userns
