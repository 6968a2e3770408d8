#ifndef BERTH_SERVICES_COMMON_USERNS_REMAP_H_
#define BERTH_SERVICES_COMMON_USERNS_REMAP_H_

// daemon.json's "userns-remap": which host ids a container's ids stand
// for. As dockerd: "default" (berth's own user, made when missing), a user
// name or uid, optionally with ":group"; the ranges come from /etc/subuid
// and /etc/subgid, container id 0 upwards over the ranges in host order.

#include <cstdint>
#include <string>
#include <vector>

#include "absl/status/status.h"
#include "absl/status/statusor.h"
#include "absl/strings/string_view.h"

namespace berth::userns {

inline constexpr char kDefaultRemapUser[] = "berthremap";
// The size dockerd gives its user, and where it starts looking.
inline constexpr uint32_t kDefaultRangeSize = 65536;
inline constexpr uint32_t kFirstSubordinateId = 100000;

struct IdRange {
  uint32_t container_id = 0;
  uint32_t host_id = 0;
  uint32_t size = 0;
};

struct Remap {
  std::string user;
  std::string group;
  std::vector<IdRange> uids;
  std::vector<IdRange> gids;
};

struct SubordinateFiles {
  std::string subuid = "/etc/subuid";
  std::string subgid = "/etc/subgid";
};

// The ranges of `name` (or of its numeric `id`) in the text of a subuid or
// subgid file, as maps: sorted by host id, container ids consecutive.
absl::StatusOr<std::vector<IdRange>> ParseSubordinateRanges(absl::string_view text,
                                                            absl::string_view name,
                                                            absl::string_view id);

// The end (exclusive) of the highest range in a subuid/subgid text.
uint64_t HighestSubordinateEnd(absl::string_view text);

absl::StatusOr<Remap> ResolveRemap(absl::string_view setting, const SubordinateFiles& files = {});

// For "default": makes kDefaultRemapUser (a system user without login)
// and gives it kDefaultRangeSize subordinate ids past every range in use,
// when it has none (useradd, usermod).
absl::Status EnsureDefaultRemapUser(const SubordinateFiles& files = {});

}  // namespace berth::userns

#endif  // BERTH_SERVICES_COMMON_USERNS_REMAP_H_
