#include "services/builder/copy_target.h"

#include <sys/stat.h>

#include <vector>

#include "absl/strings/numbers.h"
#include "absl/strings/str_cat.h"
#include "absl/strings/str_split.h"
#include "services/builder/context/resolve_in_root.h"
#include "shim/container/user.h"

namespace berth::builder {

absl::Status ResolveChown(const std::string& chown, const std::string& root,
                          buildcontext::CopyRequest* request) {
  if (chown.empty()) return absl::OkStatus();
  std::vector<std::string> parts = absl::StrSplit(chown, absl::MaxSplits(':', 1));
  uint32_t uid = 0, gid = 0;
  bool numeric = absl::SimpleAtoi(parts[0], &uid) &&
                 (parts.size() == 1 ? (gid = uid, true) : absl::SimpleAtoi(parts[1], &gid));
  if (!numeric) {
    if (root.empty()) {
      return absl::InvalidArgumentError(absl::StrCat("unable to convert uid/gid chown string to host mapping: ",
                                  "no such user or group in an empty image: ", chown));
    }
    // docker: a user alone stands for a group of the same name.
    std::string spec = parts.size() == 1 ? chown + ":" + chown : chown;
    auto resolved = container::ResolveUser(spec, {root});
    if (!resolved.ok()) {
      return absl::InvalidArgumentError(absl::StrCat("unable to convert uid/gid chown string to host mapping: ",
                                  resolved.status().message()));
    }
    uid = resolved->uid;
    gid = resolved->gid;
  }
  request->uid = uid;
  request->gid = gid;
  return absl::OkStatus();
}

buildcontext::DestinationKind KindInRoot(const std::string& root, const std::string& path) {
  if (root.empty()) {
    return path == "/" ? buildcontext::DestinationKind::kDirectory
                       : buildcontext::DestinationKind::kMissing;
  }
  auto resolved = buildcontext::ResolveInRoot(root, path.substr(path.find_first_not_of('/') ==
                                                                        std::string::npos
                                                                    ? path.size()
                                                                    : path.find_first_not_of('/')));
  if (!resolved.ok()) return buildcontext::DestinationKind::kMissing;
  struct stat st;
  if (::lstat(absl::StrCat(root, "/", *resolved).c_str(), &st) != 0) {
    return buildcontext::DestinationKind::kMissing;
  }
  return S_ISDIR(st.st_mode) ? buildcontext::DestinationKind::kDirectory
                             : buildcontext::DestinationKind::kOther;
}

}  // namespace berth::builder
