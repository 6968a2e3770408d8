#ifndef BERTH_SERVICES_BUILDER_COPY_TARGET_H_
#define BERTH_SERVICES_BUILDER_COPY_TARGET_H_

// What a COPY/ADD needs to know of the image it writes into, read from
// that image's mounted view (root; "" for scratch): the owner --chown
// names, and what a destination path already is.

#include <string>

#include "absl/status/status.h"
#include "services/builder/context/copy_sources.h"

namespace berth::builder {

// "uid[:gid]" in numbers, or names looked up in the image's own
// /etc/passwd and /etc/group; sets request->uid and gid.
absl::Status ResolveChown(const std::string& chown, const std::string& root,
                          buildcontext::CopyRequest* request);

// path (absolute in the image) as stat(2) sees it from inside.
buildcontext::DestinationKind KindInRoot(const std::string& root, const std::string& path);

}  // namespace berth::builder

#endif  // BERTH_SERVICES_BUILDER_COPY_TARGET_H_
