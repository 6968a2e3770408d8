#ifndef BERTH_SERVICES_BUILDER_REMOTE_SOURCE_H_
#define BERTH_SERVICES_BUILDER_REMOTE_SOURCE_H_

// ADD <url>: the file fetched with the registry client's HTTP stack into a
// directory of the builder, where COPY's rules then take it, as docker's
// classic builder does: the name from the URL's path, mode 0600, the
// mtime from Last-Modified, never unpacked.

#include <string>

#include "absl/status/statusor.h"

namespace berth::builder {

bool IsRemoteSource(const std::string& source);

// Downloads url into dir; returns the file's name there.
absl::StatusOr<std::string> DownloadSource(const std::string& url, const std::string& dir);

}  // namespace berth::builder

#endif  // BERTH_SERVICES_BUILDER_REMOTE_SOURCE_H_
